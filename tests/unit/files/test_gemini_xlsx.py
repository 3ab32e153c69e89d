"""The Gemini adapter reads the xlsx download as it reads the CSV export (FORMATS.md §2.6): same
rows, checks and problems. The workbooks are written at test time from the CSV fixture into
tmp_path (no binary in git, and the venue fixtures folder keeps one file per statement), with
date, time and number cells as Gemini's workbook has them."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
import xlsxwriter

from ingestion.files.adapters import ParseContext, Parsed
from ingestion.files.exchanges import gemini
from ingestion.files.load import load_files
from ingestion.files.problems import FileRejected
from ingestion.files.values import EXACT
from ingestion.files.workbook import cell_text
from tests.unit.files.conftest import memory_warehouse
from tests.unit.files.test_venue_adapters import VENUES, venue_config

CSV_FIXTURE = VENUES / "gemini" / "gemini_history_2026-10.csv"
DATE_COLUMNS = {"Date", "Order Date"}
TIME_COLUMNS = {"Time (UTC)", "Order Time"}
NUMBER_COLUMNS = {"Trading Fee Rate (bps)", "Deposit Tx Output", "Withdrawal Tx Output"}
CREATED = datetime(2026, 11, 1)  # a fixed workbook creation time: the same bytes every run


def _number(text: str) -> Decimal:
    """A CSV amount cell (``"($5,000.00)"``, ``"$4,995.00"``, ``-2.00``) as the number."""
    plain = text.replace("$", "").replace(",", "")
    if plain.startswith("(") and plain.endswith(")"):
        plain = "-" + plain[1:-1]
    return Decimal(plain)


def _is_number_column(name: str) -> bool:
    return name in NUMBER_COLUMNS or bool(gemini.AMOUNT.match(name)) or name.startswith("Fee (")


def write_gemini_xlsx(csv_text: str, path: Path, *, text_rows: frozenset[int] = frozenset()):
    """A workbook of the CSV's content as Gemini's download has it: date cells in the date
    columns, time cells in the time columns, number cells in the number columns, empty cells
    left out. Data rows (1-based) in ``text_rows`` keep every cell as the CSV's text."""
    header, *rows = list(csv.reader(io.StringIO(csv_text)))
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": CREATED})
    date_cell = book.add_format({"num_format": "yyyy-mm-dd"})
    time_cell = book.add_format({"num_format": "hh:mm:ss.000"})
    money = book.add_format({"num_format": '"$"#,##0.00;("$"#,##0.00)'})
    sheet = book.add_worksheet("Transaction History")
    sheet.write_row(0, 0, header)
    for r, cells in enumerate(rows, start=1):
        for c, (name, text) in enumerate(zip(header, cells, strict=True)):
            if not text:
                continue
            if r in text_rows:
                sheet.write_string(r, c, text)
            elif name in DATE_COLUMNS:
                sheet.write_datetime(r, c, date.fromisoformat(text), date_cell)
            elif name in TIME_COLUMNS:
                sheet.write_datetime(r, c, time.fromisoformat(text), time_cell)
            elif _is_number_column(name):
                sheet.write_number(r, c, float(_number(text)), money)
            else:
                sheet.write_string(r, c, text)
    book.close()
    return path


def _context(config, path: Path) -> ParseContext:
    source = next(s for s in config.files.sources if s.name == "gemini")
    return ParseContext(config, source, path)


def _parse(config, path: Path) -> Parsed:
    with localcontext(EXACT):  # as the loader runs an adapter
        return gemini.parse(path.read_bytes(), _context(config, path))


def _rejected(config, path: Path) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        _parse(config, path)
    return caught.value


def _where(rejected: FileRejected) -> list[tuple]:
    """(row, column, reason before its details) of each problem."""
    return [(p.row, p.column, p.reason.split(":")[0]) for p in rejected.problems]


@pytest.fixture
def config(tmp_path, pseudonym_key):
    return venue_config(tmp_path)


def test_xlsx_gives_the_rows_of_the_csv(tmp_path, config):
    xlsx = write_gemini_xlsx(CSV_FIXTURE.read_text(), tmp_path / "history.xlsx")
    from_csv, from_xlsx = _parse(config, CSV_FIXTURE), _parse(config, xlsx)
    assert (from_xlsx.table, from_xlsx.rows_in) == (from_csv.table, from_csv.rows_in) == (
        "exchange_entries", 4,
    )  # fmt: skip
    assert from_xlsx.statement_key == from_csv.statement_key
    # row 1 has neither Trade ID nor Tx Hash: its id hashes the parsed values, so "$10,000.00"
    # in the CSV and the number 10000 in the workbook give the same id (overlapping CSV and
    # xlsx exports of one account load it once)
    assert from_csv.rows[0]["entry_id"].startswith("row:")
    assert from_xlsx.rows == from_csv.rows
    assert [r["entry_id"] for r in from_xlsx.rows[1:]] == [
        "trade:T-501", from_csv.rows[2]["entry_id"], from_csv.rows[3]["entry_id"],
    ]  # fmt: skip
    assert from_xlsx.rows[1]["occurred_at"] == datetime(2026, 10, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert from_xlsx.rows[1]["amount_usd"] == Decimal(5000)  # "($5,000.00)" as a number cell


@pytest.mark.parametrize("text_rows", [frozenset({2, 4}), frozenset({1, 2, 3, 4})])
def test_a_date_cell_and_a_text_date_both_work(tmp_path, config, text_rows):
    """Rows of date and time cells and rows of text cells in one workbook; a workbook of only
    text cells is the CSV exactly, the content-hash entry id included."""
    xlsx = write_gemini_xlsx(CSV_FIXTURE.read_text(), tmp_path / "h.xlsx", text_rows=text_rows)
    from_csv, from_xlsx = _parse(config, CSV_FIXTURE), _parse(config, xlsx)
    assert [r["occurred_at"] for r in from_xlsx.rows] == [r["occurred_at"] for r in from_csv.rows]
    assert from_xlsx.statement_key == from_csv.statement_key
    if text_rows == {1, 2, 3, 4}:
        assert from_xlsx.rows == from_csv.rows


def test_xlsx_header_without_type_gives_the_csvs_problem(tmp_path, config):
    text = CSV_FIXTURE.read_text().replace(",Type,", ",Kind,", 1)
    csv_path = tmp_path / "history.csv"
    csv_path.write_text(text)
    xlsx = write_gemini_xlsx(text, tmp_path / "history.xlsx")
    from_csv, from_xlsx = _rejected(config, csv_path), _rejected(config, xlsx)
    assert "header lacks column(s) ['Type']" in from_csv.problems[0].reason
    assert from_xlsx.problems == from_csv.problems
    assert from_xlsx.rows_in == from_csv.rows_in == 4


def test_xlsx_balance_that_does_not_add_up_is_the_csvs_problem(tmp_path, config):
    text = CSV_FIXTURE.read_text().replace('"$4,995.00"', '"$4,999.00"')
    csv_path = tmp_path / "history.csv"
    csv_path.write_text(text)
    xlsx = write_gemini_xlsx(text, tmp_path / "history.xlsx")
    from_csv, from_xlsx = _rejected(config, csv_path), _rejected(config, xlsx)
    assert (
        _where(from_xlsx)
        == _where(from_csv)
        == [(2, "USD Balance USD", "running balance does not add up")]
    )
    assert Decimal(from_xlsx.problems[0].value) == Decimal(from_csv.problems[0].value) == 4999


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("history.csv", CSV_FIXTURE.read_text())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda good: good[: len(good) // 2], "not a readable xlsx workbook (BadZipFile"),
        (lambda good: _zip_of_text(), "not a readable xlsx workbook ("),
        (
            lambda good: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "an encrypted (password-protected) workbook or a legacy .xls file",
        ),
    ],
    ids=["truncated", "zip-not-xlsx", "encrypted"],
)
def test_unreadable_workbook_is_rejected_with_the_reason(tmp_path, config, damage, reason):
    good = write_gemini_xlsx(CSV_FIXTURE.read_text(), tmp_path / "good.xlsx").read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(damage(good))
    rejected = _rejected(config, bad)
    assert len(rejected.problems) == 1
    assert (rejected.problems[0].row, rejected.problems[0].column) == (0, "")
    assert rejected.problems[0].reason.startswith(reason)


def test_corrupt_xlsx_is_quarantined_and_the_other_files_load(tmp_path, config):
    folder = config.landing_dir / "gemini"
    folder.mkdir(parents=True)
    good = write_gemini_xlsx(CSV_FIXTURE.read_text(), folder / "gemini_history_2026-10.xlsx")
    (folder / "broken.xlsx").write_bytes(good.read_bytes()[:-200])  # a cut download
    shutil.copytree(VENUES / "okx-funding", config.landing_dir / "okx-funding")
    con = memory_warehouse()
    outcomes = {Path(o.path).name: o for o in load_files(con, config, "load-xlsx")}
    assert {name: o.status for name, o in outcomes.items()} == {
        "gemini_history_2026-10.xlsx": "loaded",
        "broken.xlsx": "quarantined",
        "okx_funding_2026-10.csv": "loaded",
    }
    assert outcomes["gemini_history_2026-10.xlsx"].rows_loaded == 4
    assert (
        outcomes["broken.xlsx"]
        .problems[0]
        .startswith("broken.xlsx: file: not a readable xlsx workbook (BadZipFile")
    )
    quarantined = con.execute(
        "select reason from audit.quarantine q join audit.files f on f.sha256 = q.source_ref "
        "where f.file_name = 'broken.xlsx'"
    ).fetchall()
    assert len(quarantined) == 1 and quarantined[0][0].startswith("broken.xlsx: not a readable")
    loaded = con.execute(
        "select count(*) from raw.exchange_entries where source = 'gemini'"
    ).fetchone()
    assert loaded == (4,)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("($5,000.00)", "($5,000.00)"),
        (10000, "10000"),
        (-1000.0, "-1000.0"),
        (250.5, "250.5"),
        (0.1 + 0.2, "0.30000000000000004"),  # the float's shortest form, not rounded away
        (1e-08, "0.00000001"),  # never an exponent
        (1.5e20, "150000000000000000000"),
        (True, "TRUE"),
        (datetime(2026, 10, 1), "2026-10-01"),
        (datetime(2026, 10, 1, 9, 0, 0, 123000), "2026-10-01 09:00:00.123000"),
        (date(2026, 10, 1), "2026-10-01"),
        (time(9, 0, 0, 123000), "09:00:00.123000"),
        (time(8), "08:00:00"),
        (timedelta(hours=9, seconds=5), "09:00:05"),
    ],
)
def test_cell_text_is_what_the_csv_carries(value, text):
    assert cell_text(value) == text
