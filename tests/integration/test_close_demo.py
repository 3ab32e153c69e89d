"""The period-end close on the full demo (chain + files + pipeline, as `make demo`): the demo
closes its last full month, the workbook's totals tie to the marts, the journal books every
movement of October (balanced, traced to the snapshot) and the ERP files open in their
documented layouts, the PDF renders to PNG pages with poppler, the re-render is
byte-identical, and a late ledger file for the closed month changes nothing closed: `--diff`
shows it and the next month's pack lists it as a prior-period adjustment. `usd1inv verify`
replays the close against the demo's chain (its nodes kept up for the module), its landing
files and its snapshot, and names a wallet whose closed balance was altered."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from demo.runner import run_demo
from ingestion.config import load_config
from reporting.close.erp_exports import NETSUITE_COLUMNS, QUICKBOOKS_COLUMNS, XERO_COLUMNS
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
    with ExitStack() as nodes:  # the demo's anvil nodes stay up for `verify`, then stop
        outcome = run_demo(config_path, keep_nodes=nodes)
        assert outcome.success, outcome.failure_summary
        config = load_config(config_path)
        pack = config.reports_dir / "close" / "2026-10"
        first = {p.relative_to(pack): p.read_bytes() for p in sorted(pack.rglob("*.*"))}
        yield config_path, config, pack, first


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


def _csv_file(first: dict[Path, bytes], name: str) -> tuple[list[str], list[dict]]:
    """A CSV file of the pack as written at the close: header and rows."""
    reader = csv.reader(io.StringIO(first[Path("csv") / name].decode("utf-8")))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def _october_snapshot(config) -> dict:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return load_snapshot(con, "2026-10-v1")
    finally:
        con.close()


def _cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_the_october_journal_books_every_movement_balanced_and_traced(demo):
    _, config, _, first = demo
    _, lines = _csv_file(first, "journal.csv")
    entries: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        entries[line["journal_id"]].append(line)
    by_type: dict[str, list[list[dict]]] = defaultdict(list)
    for entry in entries.values():
        by_type[entry[0]["entry_type"]].append(entry)
    assert {
        "issuer_purchase",
        "issuer_redemption",
        "conversion",
        "fee",
        "transition",
        "remeasurement",
        "safeguarding",
    } <= set(by_type), set(by_type)
    for jid, entry in entries.items():  # every entry balances, in cents
        debit = sum((Decimal(x["debit_usd"] or 0) for x in entry), Decimal(0))
        credit = sum((Decimal(x["credit_usd"] or 0) for x in entry), Decimal(0))
        assert debit == credit > 0, jid
        assert all(len((x["debit_usd"] or x["credit_usd"]).split(".")[1]) == 2 for x in entry)

    def amounts(entry: list[dict]) -> dict[str, tuple[str, str]]:
        return {x["account_role"]: (x["debit_usd"], x["credit_usd"]) for x in entry}

    snapshot = _october_snapshot(config)
    events = {e["event_ref"]: e for e in snapshot["cost_events"].dicts()}
    ledger = {e["entry_id"]: e for e in snapshot["issuer_ledger_entries"].dicts()}
    # each line names its source rows in the closed snapshot
    for line in lines:
        for reference in line["source"].split("; "):
            table, _, key = reference.partition(":")
            if table == "cost_events":
                assert key.split("/", 2)[2] in events, reference
            elif table == "issuer_ledger_entries":
                assert key in ledger, reference
            else:
                assert table in {"inventory_rollforward", "fair_value", "fair_value_prior"}
    # the issuer minted 1,000,000 into the custody vault in October (its ledger; twice for the
    # demo's seed since the scenario's issuer freeze, once before): each bought at par
    purchases = {p[0]["source"]: p for p in by_type["issuer_purchase"]}
    ledger_mints = [e for e in ledger.values() if e["entry_type"] == "mint"]
    assert ledger_mints and len(purchases) == len(ledger_mints)
    for mint in ledger_mints:
        purchase = purchases[f"issuer_ledger_entries:{mint['entry_id']}"]
        par = format(_cents(mint["amount"]), "f")
        assert amounts(purchase) == {"digital_assets": (par, ""), "cash": ("", par)}
    # the treasury redeemed 250,000.5 with the issuer (a burn no mint matches): cash at par
    (redemption,) = by_type["issuer_redemption"]
    burn = events[redemption[0]["source"].split("/", 2)[2]]
    assert (burn["movement_type"], burn["network"]) == ("burn", "ethereum")
    assert amounts(redemption)["cash"] == (format(_cents(burn["quantity"]), "f"), "")
    assert amounts(redemption)["digital_assets"][1] == format(
        _cents(burn["cost_of_units_sold_usd"]), "f"
    )
    # the four bridge burns and their mints on bnb are no purchase or redemption
    mints = [ref for ref, e in events.items() if e["movement_type"] == "mint"]
    assert len(mints) == 4 and all(ref.startswith("bnb:") for ref in mints)
    assert not any(ref in line["source"] for ref in mints for line in lines)
    # the Kraken sale: proceeds to cash, the cost relieved, the realised loss
    (conversion,) = by_type["conversion"]
    sale = events[conversion[0]["source"].split("/", 2)[2]]
    assert amounts(conversion)["cash"] == (format(_cents(sale["proceeds_usd"]), "f"), "")
    assert amounts(conversion)["digital_assets"][1] == format(
        _cents(sale["cost_of_units_sold_usd"]), "f"
    )
    assert set(amounts(conversion)) == {"cash", "digital_assets", "realized_gain_loss"}
    # the 1 USD1 withdrawal fee at Kraken
    (fee,) = by_type["fee"]
    assert fee[0]["source"].endswith("/kraken-trading")
    assert amounts(fee)["fees_expense"] == ("1.00", "")
    # the change of basis on 10-01: September's carrying amount at par -> its fair value
    fair = {(r["period"], r["ownership"]): r for r in snapshot["fair_value"].dicts()}
    prior = {(r["period"], r["ownership"]): r for r in snapshot["fair_value_prior"].dicts()}
    september, october = prior[("2026-09", "operating")], fair[("2026-10", "operating")]
    assert (september["measurement_basis"], october["measurement_basis"]) == (
        "cash_equivalent",
        "fair_value",
    )
    (transition,) = by_type["transition"]
    assert transition[0]["entry_date"] == "2026-10-01"
    move = _cents(september["fair_value_usd"]) - _cents(september["carrying_amount_usd"])
    assert move != 0
    assert amounts(transition)["fair_value_adjustment"] == (
        (format(move, "f"), "") if move > 0 else ("", format(-move, "f"))
    )
    # the fair-value remeasurement of October: the adjustment from 09-30 to 10-31
    (remeasurement,) = by_type["remeasurement"]
    opening = _cents(september["fair_value_usd"]) - _cents(september["cost_basis_usd"])
    closing = _cents(october["fair_value_usd"]) - _cents(october["cost_basis_usd"])
    change = closing - opening
    assert amounts(remeasurement)["unrealized_gain_loss"] == (
        ("", format(change, "f")) if change > 0 else (format(-change, "f"), "")
    )
    # client holdings: memo lines only, apart from the entity's own
    (memo,) = by_type["safeguarding"]
    assert {x["ownership"] for x in memo} == {"client"}
    assert {x["account_role"] for x in memo} == {
        "client_assets_safeguarded",
        "safeguarding_liability",
    }
    own = [x for x in lines if x["ownership"] == "operating"]
    assert not {x["account_role"] for x in own} & {
        "client_assets_safeguarded",
        "safeguarding_liability",
    }
    # the accounts are the configuration's (the demo's entity override of cash)
    assert {x["account_name"] for x in lines if x["account_role"] == "cash"} == {
        "Cash - USD settlement (Acme Pay operating account)"
    }


def test_the_erp_files_open_in_their_documented_column_order(demo):
    _, config, _, first = demo
    _, lines = _csv_file(first, "journal.csv")
    own_entries = {x["journal_id"] for x in lines if x["ownership"] == "operating"}
    own_lines = sum(1 for x in lines if x["ownership"] == "operating")
    layouts = {
        "journal_netsuite.csv": (NETSUITE_COLUMNS, "External ID", ("Debit", "Credit")),
        "journal_quickbooks_online.csv": (
            QUICKBOOKS_COLUMNS,
            "Journal No.",
            ("Debits", "Credits"),
        ),
        "journal_xero.csv": (XERO_COLUMNS, "*Narration", ("*Amount", None)),
    }
    stored = {
        r[0]
        for r in _query(
            config,
            "select relative_path from audit.close_pack_files where close_id = '2026-10-v1'",
        )
    }
    for name, (columns, key, (debit, credit)) in layouts.items():
        header, rows = _csv_file(first, name)
        assert header == list(columns), name
        assert len(rows) == own_lines, name  # the client memo lines are not exported
        net: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            net[row[key]] += Decimal(row[debit] or 0) - (Decimal(row[credit] or 0) if credit else 0)
        assert len(net) == len(own_entries) and set(net.values()) == {Decimal(0)}, name
        assert f"csv/{name}" in stored  # stored with the pack's other files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify(config_path: Path):
    return CliRunner().invoke(app, ["verify", "--config", str(config_path), "--period", "2026-10"])


def test_verify_replays_the_close_and_names_a_wallet_whose_balance_was_altered(demo, tmp_path):
    config_path, config, _, _ = demo
    before = _sha256(config.warehouse_path)
    result = _verify(config_path)
    assert result.exit_code == 0, result.output
    assert _sha256(config.warehouse_path) == before  # read only: nothing written
    lines = result.output.splitlines()
    assert not [x for x in lines if x.startswith("MISMATCH")], result.output
    by_check: dict[str, list[str]] = {}
    for line in lines:
        if line.startswith("ok "):
            by_check.setdefault(line.split()[1], []).append(line)
    (files,) = _query(
        config,
        "select count(*) from audit.close_snapshot_source_files where close_id = '2026-10-v1'",
    )[0]
    assert len(by_check["file"]) == files > 0
    assert len(by_check["parse"]) > 0  # the loaded files, re-parsed
    assert len(by_check["block"]) == len(config.networks)
    assert len(by_check["wallet"]) >= len(config.wallets)
    for network in config.networks:  # the RPC URLs are never printed
        assert os.environ[network.rpc_url_env] not in result.output

    # one wallet's closing balance altered in a copy of the warehouse: verify fails, naming it
    treasury = next(w for w in config.wallets if w.label == "treasury")
    shutil.copy(config.warehouse_path, tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        closing = con.execute(
            "update audit.close_snapshot_inventory_rollforward "
            "set closing_balance = closing_balance + 1 "
            "where close_id = '2026-10-v1' and network = 'ethereum' and location_id = ? "
            "returning closing_balance - 1",
            [treasury.address],
        ).fetchall()
        (block,) = con.execute(
            "select block_number from audit.close_snapshot_cutoff_blocks "
            "where close_id = '2026-10-v1' and network = 'ethereum'"
        ).fetchone()
    finally:
        con.close()
    assert len(closing) == 1
    actual = format(closing[0][0].normalize(), "f")
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["paths"] = {
        "data_dir": str(config.data_dir),
        "warehouse": str(tmp_path / "warehouse.duckdb"),
    }
    altered_config = tmp_path / "usd1inv.yml"
    altered_config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    altered = _verify(altered_config)
    assert altered.exit_code == 1, altered.output
    mismatches = [x for x in altered.output.splitlines() if x.startswith("MISMATCH")]
    wallet_lines = [x for x in mismatches if x.split()[1] == "wallet"]
    assert len(wallet_lines) == 1, mismatches
    line = wallet_lines[0]
    for part in (
        "treasury",
        treasury.address,
        "ethereum",
        f"block {block}",
        f"actual {actual} USD1",
        "difference -1",
    ):
        assert part in line, (part, line)
    snapshot_lines = [x for x in mismatches if x.split()[1] == "snapshot"]
    assert any("close_snapshot_inventory_rollforward" in x for x in snapshot_lines)
    assert any("content hash" in x for x in snapshot_lines)
    assert len(mismatches) == 3, mismatches  # nothing else differs


def test_retention_past_every_term_and_verify_still_passes(demo, tmp_path):
    """On a copy of the demo's data folder, with terms of one day: retention removes every
    landed file's bytes (the ledger's as personal data) and the quarantined values, and the
    closed October still verifies: each removed file by its recorded hash and kept rows."""
    config_path, config, _, _ = demo
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data["paths"] = {"data_dir": str(tmp_path / "data")}
    data["retention"] = {"books_and_records_days": 1, "personal_data_days": 1}
    copy_path = tmp_path / "usd1inv.yml"
    copy_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    shutil.copytree(
        config.data_dir,
        tmp_path / "data",
        ignore=shutil.ignore_patterns(config.dagster_home.name, "*.lock", "published"),
    )
    copy = load_config(copy_path)
    landed = [p for p in copy.landing_dir.rglob("*") if p.is_file()]
    assert landed
    runner = CliRunner()
    removed = runner.invoke(app, ["retention", "apply", "--config", str(copy_path)])
    assert removed.exit_code == 0, removed.output
    con = duckdb.connect(str(copy.warehouse_path), read_only=True)
    try:
        kinds = dict(
            con.execute("select kind, count(*) from audit.retention_log group by kind").fetchall()
        )
        ledger_rule = con.execute(
            "select distinct log.rule from audit.retention_log as log "
            "join audit.files as f on f.sha256 = log.sha256 where f.kind = 'ledger'"
        ).fetchall()
        quarantined = con.execute(
            "select count(*) from audit.quarantine where value is not null"
        ).fetchone()[0]
    finally:
        con.close()
    assert kinds["file_bytes"] > 0 and quarantined == 0
    assert ledger_rule == [("personal_data_days",)]
    recorded_left = [p for p in copy.landing_dir.rglob("*") if p.is_file()]
    assert len(recorded_left) < len(landed)
    verified = _verify(copy_path)
    assert verified.exit_code == 0, verified.output
    assert "removed by the retention policy" in verified.output
    assert not [x for x in verified.output.splitlines() if x.startswith("MISMATCH")]
