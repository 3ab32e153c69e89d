"""The period-end close on the full demo (chain + files + pipeline, as `make demo`): the demo
closes its last full month, the workbook's totals tie to the marts, the PDF renders to PNG pages
with poppler, the re-render is byte-identical, and a late ledger file for the closed month
changes nothing closed: `--diff` shows it and the next month's pack lists it as a prior-period
adjustment."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from demo.runner import run_demo
from ingestion.config import load_config
from reporting.close.snapshot import load_snapshot
from tests.conftest import write_config
from usd1inv.cli import app

pytestmark = pytest.mark.integration

LATE_LEDGER = (
    "entry_id,posted_at,account_id,owner_type,entry_type,asset,amount,customer_id,customer_name,"
    "customer_email,counterparty_account_id,network,tx_hash,memo\n"
    "LE-900001,2026-10-20T15:00:00Z,client-liabilities,client,deposit,USD1,500,CUST-0001,"
    "Customer 0001,customer0001@example.com,,ethereum,,late manual credit\n"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    config_path = write_config(tmp_path_factory.mktemp("close_demo"))
    outcome = run_demo(config_path)
    assert outcome.success, outcome.failure_summary
    config = load_config(config_path)
    pack = config.reports_dir / "close" / "2026-10"
    first = {p.relative_to(pack): p.read_bytes() for p in sorted(pack.rglob("*.*"))}
    return config_path, config, pack, first


def _query(config, sql: str, params=None):
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


TOTALS = {
    "operating": "Total own (operating)",
    "client": "Total client (safeguarded, off balance sheet)",
}


def _totals(path: Path, sheet: str, column: str) -> dict[str, tuple[Decimal, str]]:
    """Per ownership: the total's rounded number (a formula's cached value) and the exact
    text of its `(exact)` twin."""
    rows = list(openpyxl.load_workbook(path, data_only=True)[sheet].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if column in r)
    number = rows[header].index(column)
    exact = rows[header].index(f"{column} (exact)")
    assert not any(r[0] == "Total" for r in rows[header:])  # own and client never added
    found = {}
    for owner, label in TOTALS.items():
        total = next((r for r in rows[header:] if r[0] == label), None)
        if total is not None:
            found[owner] = (Decimal(str(total[number])), total[exact])
    return found


def _ties(sheet: dict[str, tuple[Decimal, str]], mart: dict[str, Decimal], rows: int) -> bool:
    """Own and client totals apart: the exact text is the mart's sum to the last digit; the
    number adds the rounded cells (six decimals), so it is within half a unit per row."""
    assert set(sheet) == set(mart), (set(sheet), set(mart))
    return all(
        text == format(mart[owner], "f")
        and abs(number - mart[owner]) <= Decimal("0.0000005") * rows
        for owner, (number, text) in sheet.items()
    )


def _by_owner(config, sql: str) -> dict[str, Decimal]:
    return {owner: total for owner, total in _query(config, sql) if total is not None}


def test_the_demo_closes_its_last_full_month(demo):
    _, config, _, first = demo
    rows = _query(config, "select period, status, close_id, run_id from audit.closed_periods")
    assert [(r[0], r[1], r[2]) for r in rows] == [("2026-10", "closed", "2026-10-v1")]
    assert rows[0][3]  # the build run the close is based on
    assert {Path("usd1-close-2026-10.xlsx"), Path("usd1-close-2026-10.pdf")} <= set(first)
    assert Path("csv/rollforward.csv") in first
    published = duckdb.connect(
        str(config.data_dir / "published" / "snapshot.duckdb"), read_only=True
    )
    try:  # the dashboard's Close page reads the published copy
        assert published.execute("select count(*) from audit.closed_periods").fetchone() == (1,)
    finally:
        published.close()


def test_workbook_totals_tie_to_the_marts(demo):
    _, config, pack, _ = demo
    workbook = pack / "usd1-close-2026-10.xlsx"
    (rows,) = _query(
        config, "select count(*) from marts.inventory_rollforward where period = '2026-10'"
    )[0]
    for column in ("opening_balance", "closing_balance", "inflows_external"):
        mart = _by_owner(
            config,
            f"select ownership, sum({column}) from marts.inventory_rollforward "
            "where period = '2026-10' group by ownership",
        )
        assert _ties(_totals(workbook, "Roll-forward", column), mart, rows), column
    fair = _by_owner(
        config,
        "select ownership, sum(round(fair_value_usd, 2)) from marts.fair_value "
        "where period = '2026-10' group by ownership",
    )
    assert {k: v[0] for k, v in _totals(workbook, "Fair value", "fair_value_usd").items()} == fair
    positions = _by_owner(
        config,
        "select ownership, sum(balance) from marts.inventory_daily "
        "where as_of_date = '2026-10-31' group by ownership",
    )
    assert _ties(_totals(workbook, "Positions", "balance"), positions, 10_000)


# the PDF's sections after page 1, in their order (reporting/close/pdf.py section_parts)
PDF_SECTIONS = (
    "Roll-forward in token units and USD",
    "Positions by location and the wallet register",
    "Client-asset coverage",
    "Fair value with price, price source and price time",
    "Reconciliation and open breaks",
    "Journal entries",
    "Period-over-period comparison: 2026-10 against 2026-09",
    "Failed and warning checks",
    "Prior-period adjustments",
    "Source files and their hashes",
    "Notes on the figures",
    "Sign-off",
)


def test_pdf_renders_to_png_pages(demo, tmp_path):
    _, config, pack, _ = demo
    pdf = pack / "usd1-close-2026-10.pdf"
    result = subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "p")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) >= 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert len(pages) - 1 == len(pngs)  # one PNG per page
    cover = pages[0]
    for expected in ("Headline figures", "Cut-off block per network", "Measurement policy"):
        assert expected in cover, expected
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        snapshot = load_snapshot(con, "2026-10-v1")
    finally:
        con.close()
    cutoffs = snapshot["cutoff_blocks"].dicts()
    assert {c["network"] for c in cutoffs} == {n.name for n in config.networks}
    for cutoff in cutoffs:  # number, hash and block time of every network on page 1
        line = next(x for x in cover.splitlines() if cutoff["block_hash"] in x)
        assert f" {cutoff['block_number']} " in line.replace(",", "")
        assert f"{cutoff['block_time'].astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" in line
    rest = "\f".join(pages[1:])
    found = [rest.find(title) for title in PDF_SECTIONS]
    assert all(i >= 0 for i in found), dict(zip(PDF_SECTIONS, found, strict=True))
    assert found == sorted(found)  # every section, in the auditor's order
    checks = snapshot["checks"].dicts()
    passed = sum(1 for c in checks if c["status"] == "passed")
    assert f"{passed} of {len(checks)} checks passed (not listed)" in rest
    assert "Wallet register" in rest and "Total own (operating)" in rest


def test_late_file_for_the_closed_month_is_an_adjustment_of_the_next(demo):
    config_path, config, pack, first = demo
    from orchestration.defs.build import build_definitions
    from orchestration.pipeline import dagster_instance, prepare_environment

    (content_hash,) = _query(config, "select content_hash from audit.closed_periods")[0]
    # a late ledger file with an October entry lands; the files and the marts are rebuilt
    (config.landing_dir / "ledger" / "ledger_export_2026-10_late.csv").write_text(
        LATE_LEDGER, encoding="utf-8"
    )
    prepare_environment(config_path)
    definitions, instance = build_definitions(config_path), dagster_instance(config)
    for job in ("ingest_files", "build_marts"):
        result = definitions.resolve_job_def(job).execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert result.success, job
    # the closed snapshot is unchanged, and so is its pack
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    load_snapshot(con, "2026-10-v1")  # raises if it no longer matches its hash
    con.close()
    assert _query(config, "select content_hash from audit.closed_periods")[0][0] == content_hash
    runner = CliRunner()
    report = runner.invoke(app, ["report", "--config", str(config_path), "--period", "2026-10"])
    assert report.exit_code == 0, report.output
    again = {p.relative_to(pack): p.read_bytes() for p in sorted(pack.rglob("*.*"))}
    assert again == first
    # the auditor's view: what the live data would change in October
    diff = runner.invoke(
        app, ["close", "--config", str(config_path), "--period", "2026-10", "--diff"]
    )
    assert diff.exit_code == 0, diff.output
    line = next(x for x in diff.output.splitlines() if "client_assets:client_liabilities" in x)
    assert line.split()[-1] == "500.000000000000000000"
    # November (open, in progress) lists it as a prior-period adjustment
    november = runner.invoke(
        app,
        [
            "close",
            "--config",
            str(config_path),
            "--period",
            "2026-11",
            "--no-run",
            "--allow-incomplete",
        ],
    )
    assert november.exit_code == 0, november.output
    adjustments = config.reports_dir / "close" / "2026-11" / "csv" / "adjustments.csv"
    with adjustments.open(encoding="utf-8") as fh:
        rows = {r["comparison_or_measure"]: r for r in csv.DictReader(fh)}
    row = rows["client_assets:client_liabilities"]
    assert (row["closed_period"], row["network"]) == ("2026-10", "ethereum")
    assert Decimal(row["adjustment"]) == 500
    assert "ledger_export_2026-10_late.csv" in row["explanation"]
