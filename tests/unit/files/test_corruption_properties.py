"""Property tests: valid files corrupted in many ways are rejected whole, with a clear report
(file, row, column, reason), and nothing of them reaches `raw`."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.files.landing import landed_file
from ingestion.files.load import FileLoader
from tests.unit.files.conftest import FIXTURES, KEY_ENV, TEST_KEY, make_config, memory_warehouse

# (source folder, file, delimiter, numeric columns, time column)
TARGETS = [
    ("kraken-main", "ledgers_2026-10.csv", ",", ["amount", "fee"], "time"),
    ("ledger", "ledger_export_2026-10.csv", ",", ["amount"], "posted_at"),
    ("binance-main", "deposit_history_2026-10.csv", ",", ["Amount"], "Date(UTC+0)"),
    ("coinbase-prime", "transactions_2026-10.csv", ",", ["transaction value"], "initiated time"),
    ("copper", "copper_statement_2026-10-31.csv", ",", ["Total", "Available"], "Statement Time"),
    ("coingecko", "usd1-usd-max.csv", ",", ["price"], "snapped_at"),
    (
        "coinmarketcap",
        "USD1_historical_data_coinmarketcap.csv",
        ";",
        ["close", "open"],
        "timeClose",
    ),
    (
        "coinbase-main",
        "coinbase_transactions_2026-10.csv",
        ",",
        ["Quantity Transacted"],
        "Timestamp",
    ),
]
BAD_NUMBERS = ["abc", "1.2.3", "--5", "0x10", "12%", "NaN", "1..2", "½", "1 0", "+-1", "1e", "(1"]
BAD_TIMES = ["2026-13-01 00:00:00", "yesterday", "2026-10-01", "31/10/2026 25:00", "0"]

_DIR = Path(tempfile.mkdtemp(prefix="usd1inv-props-"))
os.environ.setdefault(KEY_ENV, TEST_KEY)
CONFIG = make_config(_DIR)


def _table(source: str, name: str, delimiter: str) -> tuple[list[str], list[list[str]], str]:
    text = (FIXTURES / source / name).read_bytes().decode("utf-8-sig")
    lines = text.splitlines()
    start = next(
        i for i, line in enumerate(lines) if (delimiter in line and "," in line) or ";" in line
    )
    if source == "coinbase-main":
        start = next(i for i, line in enumerate(lines) if line.startswith("ID,"))
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter))
    return rows[0], rows[1:], "\n".join(lines[:start])


def _render(header, rows, preamble, delimiter) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ((preamble + "\n" if preamble else "") + out.getvalue()).encode()


@st.composite
def corrupted(draw):
    source, name, delimiter, numeric, time_column = draw(st.sampled_from(TARGETS))
    header, rows, preamble = _table(source, name, delimiter)
    rows = [list(r) for r in rows]
    kind = draw(st.sampled_from(
        ["number", "time", "header", "truncate", "latin1", "utf16_no_bom", "extra_cell"]
    ))  # fmt: skip
    row = draw(st.integers(0, len(rows) - 1))
    if kind == "number":
        column = header.index(draw(st.sampled_from(numeric)))
        rows[row][column] = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == "time":
        rows[row][header.index(time_column)] = draw(st.sampled_from(BAD_TIMES))
    elif kind == "header":
        column = draw(st.sampled_from([*numeric, time_column]))
        header = [("x_" + h if h == column else h) for h in header]
    elif kind == "extra_cell":
        rows[row].append("surplus")
    data = _render(header, rows, preamble, delimiter)
    if kind == "truncate":
        body = data.rstrip(b"\n")
        last_line = body.rfind(b"\n") + 1
        last_delimiter = body.rfind(delimiter.encode())
        cut = draw(st.integers(last_line + 1, last_delimiter))
        data = body[:cut] + b"\n"
    elif kind == "latin1":
        at = draw(st.integers(len(data) // 2, len(data) - 2))
        data = data[:at] + b"\xe9," + data[at:]
    elif kind == "utf16_no_bom":
        data = data.decode().encode("utf-16-le")
    return source, name, kind, data


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(corrupted())
def test_corrupted_files_are_rejected_whole_with_a_clear_report(case):
    source, name, kind, data = case
    path = CONFIG.landing_dir / source / name.replace(".csv", f"-corrupt-{kind}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    con = memory_warehouse()
    src = next(s for s in CONFIG.files.sources if s.name == source)
    outcome = FileLoader(con, CONFIG, "prop").load(landed_file(src, path))
    assert outcome.status == "quarantined", (kind, name)
    assert outcome.problems and all(p.startswith(path.name + ": ") for p in outcome.problems)
    assert outcome.rows_loaded == 0 and outcome.rows_in == outcome.rows_quarantined
    for table in ("custodian_balances", "custodian_movements", "exchange_entries",
                  "ledger_entries", "prices"):  # fmt: skip
        assert con.execute(f"select count(*) from raw.{table}").fetchone()[0] == 0
    reports = con.execute("select row_ref, field, reason from audit.quarantine").fetchall()
    assert reports and all(reason for _, _, reason in reports)
    assert con.execute("select status from audit.files").fetchall() == [("quarantined",)]


def test_each_target_is_valid_before_corruption():
    """The generator's re-rendered (uncorrupted) files load: corruption is what rejects them."""
    for source, name, delimiter, _, _ in TARGETS:
        header, rows, preamble = _table(source, name, delimiter)
        path = CONFIG.landing_dir / source / name.replace(".csv", "-clean.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_render(header, rows, preamble, delimiter))
        src = next(s for s in CONFIG.files.sources if s.name == source)
        outcome = FileLoader(memory_warehouse(), CONFIG, "clean").load(landed_file(src, path))
        assert outcome.status == "loaded", (name, outcome.problems)
