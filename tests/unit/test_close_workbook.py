"""The close pack's workbook and CSV files, read back with openpyxl and csv: sheets, frozen
headers, number formats, totals as formulas whose cached values tie to the marts (own and
client holdings totalled apart), every amount's exact twin, base units as text, no local path
in any pack file, fixed metadata, and the same bytes on every rendering (real DuckDB file,
real xlsxwriter)."""

from __future__ import annotations

import csv
import subprocess
import tempfile
import zipfile
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from reporting.close.closing import close_period
from reporting.close.periods import parse_period
from reporting.close.render import render_pack, rerender
from reporting.close.snapshot import load_snapshot
from tests.close_warehouse import HOT, VAULT, build_close_warehouse

OCTOBER = parse_period("2026-10")
T0 = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
CLIENT = "vault-clients"  # a client (omnibus) location: safeguarded, not the entity's own
OWN_TOTAL = "Total own (operating)"
CLIENT_TOTAL = "Total client (safeguarded, off balance sheet)"


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("close_workbook")
    warehouse = build_close_warehouse(folder / "warehouse.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("alter table marts.fair_value add column holding_note varchar default 'extra'")
    con.execute(  # a client location beside the entity's own ones
        "insert into marts.inventory_rollforward select * replace ('custodian' as location_type, "
        f"'{CLIENT}' as location_id, 'omnibus' as purpose, 'client' as ownership, "
        "500 as opening_balance, 0 as inflows_external, 0 as outflows_external, "
        "0 as transfers_in_internal, 0 as transfers_out_internal, 0 as mints, 0 as burns, "
        "0 as fees, 500.000000000000000001 as closing_balance) "
        f"from marts.inventory_rollforward where location_id = '{VAULT}' and period = '2026-10'"
    )
    con.execute("alter table marts.inventory_daily add column balance_raw decimal(38, 0)")
    con.execute(
        "update marts.inventory_daily set balance_raw = 105749999000000000000 "
        f"where location_id = '{HOT}' and as_of_date = '2026-10-31'"
    )
    con.execute(
        "insert into marts.inventory_daily select * replace ('custodian' as location_type, "
        f"'{CLIENT}' as location_id, 'client' as ownership, 17344720 as balance, "
        "17344720 as available, 0 as pending_in, 0 as pending_out, 0 as frozen, 0 as locked, "
        "17344720000000000000000 as balance_raw) "
        f"from marts.inventory_daily where location_id = '{VAULT}' and as_of_date = '2026-10-31'"
    )
    con.execute("alter table audit.files alter duplicate_of type varchar")
    con.execute(  # a duplicate file whose first copy is named by its absolute local path
        "insert into audit.files select * replace ('vault_20261101 (1).json' as file_name, "
        f"'duplicate' as status, '{folder}/landing/fireblocks/vault_20261101.json' "
        "as duplicate_of) from audit.files"
    )
    con.execute(  # the open-breaks mart: its row of the period end, and a later day's
        "create table marts.reconciliation_breaks as select * from (values "
        f"(date '2026-10-31', 'ethereum', '{HOT}', 'onchain_vs_ledger', 1::decimal(38,18), "
        "12, 'the ledger is 1 USD1 short'), "
        f"(date '2026-11-01', 'ethereum', '{HOT}', 'custodian_vs_ledger', 4::decimal(38,18), "
        "0, 'a later break')) "
        "t(as_of_date, network, location_id, comparison, unexplained_difference, "
        "break_age_days, sentence)"
    )
    con.execute(
        "create schema intermediate; create table "
        "intermediate.int_reconciliation__in_transit_explanations as select * from (values "
        "(date '2026-10-31', 'custodian_vs_ledger', 'ethereum', 'vault-7', "
        "10::decimal(38,18), 1, 'withdrawal W-1 booked 2026-10-31, on chain 2026-11-01'), "
        "(date '2026-10-30', 'custodian_vs_ledger', 'ethereum', 'vault-7', "
        "3::decimal(38,18), 1, 'an earlier day')) "
        "t(as_of_date, comparison, network, location_id, explained_in_transit, movements, listing)"
    )
    closed, tables = close_period(
        con, OCTOBER, now=T0, actor="alice", run_id="run-1", reporting_timezone="America/New_York"
    )
    mart = {
        f"{measure}:{owner}": con.execute(
            f"select sum({measure}) from {table} where period = '2026-10' and ownership = ?",
            [owner],
        ).fetchone()[0]
        for measure, table in (
            ("closing_balance", "marts.inventory_rollforward"),
            ("units", "marts.fair_value"),
            ("fair_value_usd", "marts.fair_value"),
            ("round(fair_value_usd, 2)", "marts.fair_value"),
        )
        for owner in ("operating", "client")
    }
    con.close()
    files = render_pack(closed, tables, folder / "reports")
    return warehouse, folder, closed, files, mart


def _sheet_rows(path: Path, sheet: str, data_only: bool) -> list[tuple]:
    book = openpyxl.load_workbook(path, data_only=data_only)
    return list(book[sheet].iter_rows(values_only=True))


def _total(rows: list[tuple], column: str, label: str = OWN_TOTAL):
    header_index = next(i for i, r in enumerate(rows) if r and column in r)
    col = rows[header_index].index(column)
    total = next(r for r in rows[header_index:] if r[0] == label)
    return total[col]


def test_workbook_has_the_cover_and_every_section(closed):
    _, _, close, files, _ = closed
    book = openpyxl.load_workbook(files.workbook)
    assert book.sheetnames == [
        "Cover",
        "Roll-forward",
        "Positions",
        "Fair value",
        "Reconciliation",
        "Breaks",
        "In transit",
        "Concentration",
        "Health",
        "Client assets",
        "Journal",
        "Adjustments",
        "Roll-forward USD",
        "Wallet register",
        "Period comparison",
    ]
    cover = [v for row in book["Cover"].iter_rows(values_only=True) for v in row if v]
    for expected in (
        "2026-10 (month)",
        "Acme Pay Inc. (acme)",
        "run-1",
        close.content_hash,
        "America/New_York",
        "0xbbbcutoff",  # cut-off block hash of the period end
        "Fair value through net income.",  # the policy note of the basis in force
        "f00dcafe",  # a source file's sha256
        "passed (1 checks)",
    ):
        assert expected in cover, expected
    assert any("Concentration" in str(v) for v in cover)  # listed as not available
    concentration = [v for r in book["Concentration"].iter_rows(values_only=True) for v in r if v]
    assert any("not available" in str(v) for v in concentration)


def test_headers_are_frozen_and_numbers_formatted(closed):
    _, _, _, files, _ = closed
    book = openpyxl.load_workbook(files.workbook)
    sheet = book["Roll-forward"]
    assert sheet.freeze_panes == "A5"
    header = [c.value for c in sheet[4]]
    closing = header.index("closing_balance") + 1
    assert sheet.cell(5, closing).number_format == "#,##0.000000"
    fair = book["Fair value"]
    fv_header = [c.value for c in fair[4]]
    assert fair.cell(5, fv_header.index("fair_value_usd") + 1).number_format == "#,##0.00"
    assert "holding_note" in fv_header  # a column beyond the contract is shown, not dropped


def test_totals_are_formulas_whose_cached_values_tie_to_the_marts(closed):
    _, _, _, files, mart = closed
    formulas = _sheet_rows(files.workbook, "Roll-forward", data_only=False)
    assert str(_total(formulas, "closing_balance")).startswith("=SUMIFS(")
    cached = _sheet_rows(files.workbook, "Roll-forward", data_only=True)
    closing = Decimal(str(_total(cached, "closing_balance")))  # rounded cells, 6 decimals
    own = mart["closing_balance:operating"]
    assert abs(closing - own) <= Decimal("0.000001")
    assert _total(cached, "closing_balance (exact)") == format(own, "f")  # every digit
    fair = _sheet_rows(files.workbook, "Fair value", data_only=True)
    assert (
        Decimal(str(_total(fair, "fair_value_usd"))) == mart["round(fair_value_usd, 2):operating"]
    )
    journal = _sheet_rows(files.workbook, "Journal", data_only=True)
    assert _total(journal, "debit_usd") == _total(journal, "credit_usd") > 0
    # the client memo lines are totalled apart, never in the entity's own total
    client = (
        _total(journal, "debit_usd", CLIENT_TOTAL),
        _total(journal, "credit_usd", CLIENT_TOTAL),
    )
    assert client == (499.89, 499.89)


def test_journal_books_the_fair_value_and_realised_movements(closed):
    _, _, _, files, _ = closed
    with (files.csv_dir / "journal.csv").open(encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    by_account = {(r["journal_id"][:2], r["account_code"]): r for r in lines}
    # September was a cash equivalent (carrying 1,000,000.00 at par, fair value 1,000,300.00,
    # cost 1,000,010.00): the change of basis moves the carrying amount to fair value ...
    assert by_account[("TR", "1250")]["debit_usd"] == "300.00"
    assert by_account[("TR", "3900")]["credit_usd"] == "300.00"
    # ... and October remeasures the adjustment from 290.00 (fair value - cost on 09-30) to
    # -231.30 (1,000,148.80 - 1,000,380.10)
    assert by_account[("FV", "7100")]["debit_usd"] == "521.30"
    assert by_account[("FV", "1250")]["credit_usd"] == "521.30"
    assert by_account[("RG", "7000")]["debit_usd"] == "30.27"
    assert by_account[("RG", "1200")]["credit_usd"] == "30.27"


def test_csv_files_carry_exact_values(closed):
    _, _, _, files, _ = closed
    with (files.csv_dir / "rollforward.csv").open(encoding="utf-8") as fh:
        rows = {r["location_id"]: r for r in csv.DictReader(fh)}
    assert rows["vault-7"]["closing_balance"] == "1000255.123456789012345678"
    assert rows[HOT]["closing_balance"] == "105.749999000000000000"
    with (files.csv_dir / "breaks.csv").open(encoding="utf-8") as fh:
        breaks = list(csv.DictReader(fh))
    assert [(b["comparison"], b["break_age_days"]) for b in breaks] == [("onchain_vs_ledger", "12")]
    assert breaks[0]["sentence"] == "the ledger is 1 USD1 short"  # from the breaks mart
    with (files.csv_dir / "in_transit.csv").open(encoding="utf-8") as fh:
        in_transit = list(csv.DictReader(fh))  # the in-transit listing at the period end only
    assert [r["explained_in_transit"] for r in in_transit] == ["10.000000000000000000"]
    assert in_transit[0]["listing"].startswith("withdrawal W-1")
    assert not (files.csv_dir / "concentration.csv").exists()


def test_workbook_metadata_is_the_close_not_the_clock(closed):
    _, _, close, files, _ = closed
    with zipfile.ZipFile(files.workbook) as archive:
        core = archive.read("docProps/core.xml").decode()
        stamps = {info.date_time for info in archive.infolist()}
    assert "2026-11-02T11:00:00Z" in core
    assert len(stamps) == 1 and next(iter(stamps))[0] == 1980  # fixed zip entry times
    props = openpyxl.load_workbook(files.workbook).properties
    assert props.created == datetime(2026, 11, 2, 11, 0)
    assert close.content_hash in (props.description or "")


def test_re_rendering_from_the_snapshot_gives_the_same_bytes(closed):
    warehouse, folder, _, files, _ = closed
    first = {p.relative_to(files.folder): p.read_bytes() for p in files.folder.rglob("*.*")}
    again = rerender(warehouse, folder / "reports-again", OCTOBER).files
    second = {p.relative_to(again.folder): p.read_bytes() for p in again.folder.rglob("*.*")}
    assert set(first) == set(second) and len(first) > 10
    for name, content in first.items():
        assert second[name] == content, name


def test_open_breaks_of_the_register_are_listed_with_owner_and_counted_on_the_cover(tmp_path):
    """A period closes with open breaks: each break of the register open at the period end
    (opened by then, not closed by then) is listed with its owner and status, aged to the
    period end, and the cover says how many; closed and later breaks are not listed."""
    warehouse = build_close_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute(
        "create table marts.reconciliation_breaks as select * from (values "
        f"('BRK-1', date '2026-10-29', null::date, 'ethereum', '{HOT}', 'custodian_vs_ledger', "
        "'investigating', 'ana', 5, 1::decimal(38,18)), "
        f"('BRK-2', date '2026-10-20', date '2026-11-02', 'ethereum', '{HOT}', "
        "'onchain_vs_ledger', 'resolved', null, 13, 2::decimal(38,18)), "
        f"('BRK-3', date '2026-10-02', date '2026-10-05', 'ethereum', '{HOT}', "
        "'onchain_vs_ledger', 'resolved', 'bo', 3, 3::decimal(38,18)), "
        f"('BRK-4', date '2026-11-01', null::date, 'ethereum', '{HOT}', 'custodian_vs_ledger', "
        "'open', null, 1, 4::decimal(38,18))) "
        "t(break_id, opened_date, closed_date, network, location_id, comparison, status, owner, "
        "age_days, unexplained_difference)"
    )
    closed, tables = close_period(
        con, OCTOBER, now=T0, actor="alice", run_id="run-1", reporting_timezone="America/New_York"
    )
    con.close()
    files = render_pack(closed, tables, tmp_path / "reports")
    with (files.csv_dir / "breaks.csv").open(encoding="utf-8") as fh:
        breaks = sorted(csv.DictReader(fh), key=lambda b: b["break_id"])
    assert [(b["break_id"], b["status"], b["owner"], b["break_age_days"]) for b in breaks] == [
        ("BRK-1", "investigating", "ana", "2"),
        ("BRK-2", "resolved", "", "11"),  # open at the period end, closed since
    ]
    cover = [v for row in _sheet_rows(files.workbook, "Cover", True) for v in row if v]
    assert "2: each listed under Reconciliation breaks with its owner and status" in cover


def test_own_and_client_holdings_are_totalled_apart(closed):
    """Client holdings are safeguarded, off balance sheet: every holdings total (roll-forward,
    positions, fair value) is split by ownership and the entity's own total excludes them."""
    _, _, _, files, mart = closed
    rollforward = _sheet_rows(files.workbook, "Roll-forward", data_only=True)
    assert _total(rollforward, "closing_balance (exact)") == "1000360.873455789012345678"
    assert _total(rollforward, "closing_balance (exact)", CLIENT_TOTAL) == (
        "500.000000000000000001"
    )
    assert not any(r[0] == "Total" for r in rollforward)  # no total adds own and client
    formulas = _sheet_rows(files.workbook, "Roll-forward", data_only=False)
    assert str(_total(formulas, "closing_balance", CLIENT_TOTAL)).endswith(',"client")')
    positions = _sheet_rows(files.workbook, "Positions", data_only=True)
    assert _total(positions, "balance (exact)") == "1000360.873455789012345678"
    assert _total(positions, "balance (exact)", CLIENT_TOTAL) == "17344720.000000000000000000"
    fair = _sheet_rows(files.workbook, "Fair value", data_only=True)
    assert _total(fair, "units (exact)") == format(mart["units:operating"], "f")
    assert _total(fair, "units (exact)", CLIENT_TOTAL) == format(mart["units:client"], "f")
    assert _total(fair, "fair_value_usd (exact)") == format(mart["fair_value_usd:operating"], "f")
    assert Decimal(str(_total(fair, "fair_value_usd", CLIENT_TOTAL))) == Decimal("499.89")
    text = subprocess.run(
        ["pdftotext", "-layout", str(files.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert OWN_TOTAL in text and CLIENT_TOTAL in text
    assert "1,000,648.69" not in text  # own + client fair value, the auditor's finding


def test_every_amount_cell_has_its_exact_twin_equal_to_the_snapshot(closed):
    """Each amount column is followed by `<column> (exact)`: text, every digit of the
    snapshot's value; the number cell beside it is rounded for reading."""
    _, _, close, files, _ = closed
    book = openpyxl.load_workbook(files.workbook)
    snapshot = {
        "Roll-forward": ("inventory_rollforward", "location_id", None),
        "Fair value": ("fair_value", "ownership", None),
        "Positions": ("inventory_daily", "location_id", date(2026, 10, 31)),
    }
    con = duckdb.connect(str(closed[0]), read_only=True)
    tables = load_snapshot(con, close.close_id)
    con.close()
    checked = 0
    for sheet_name, (source, key, day) in snapshot.items():
        rows = list(book[sheet_name].iter_rows(min_row=4, values_only=True))
        header = list(rows[0])
        types = dict(tables[source].columns)
        by_key = {
            r[key]: r
            for r in tables[source].dicts()
            if (day is None or r["as_of_date"] == day) and r.get("period", "2026-10") == "2026-10"
        }
        for i, name in enumerate(header):
            if not types.get(name, "").startswith("DECIMAL") or name.endswith(("_raw", "_bps")):
                continue
            assert header[i + 1] == f"{name} (exact)", (sheet_name, name)
            for row in rows[1:]:
                if row[0] is None or str(row[0]).startswith("Total"):
                    break
                value = by_key[row[header.index(key)]][name]
                if value is None:
                    assert row[i] is None and row[i + 1] is None
                    continue
                assert row[i + 1] == format(value, "f"), (sheet_name, name)
                places = "0.01" if name.endswith("_usd") and name != "price_usd" else "0.000001"
                assert Decimal(str(row[i])) == value.quantize(Decimal(places), ROUND_HALF_UP)
                checked += 1
    assert checked > 40


def test_base_units_are_text_only(closed):
    _, _, _, files, _ = closed
    rows = _sheet_rows(files.workbook, "Positions", data_only=True)
    header = list(rows[3])
    assert "balance_raw (exact)" not in header  # the text is the exact value itself
    column = header.index("balance_raw")
    values = {r[header.index("location_id")]: r[column] for r in rows[4:] if r[0] == "acme"}
    assert values[CLIENT] == "17344720000000000000000"  # not 1.7344719999999999e+22
    assert values[HOT] == "105749999000000000000"
    with (files.csv_dir / "positions.csv").open(encoding="utf-8") as fh:
        csv_rows = {r["location_id"]: r for r in csv.DictReader(fh)}
    assert csv_rows[CLIENT]["balance_raw"] == "17344720000000000000000"


def test_no_pack_file_holds_an_absolute_path(closed):
    """The cover's source files named a duplicate's first copy by its absolute local path:
    every pack file (workbook XML, CSV files, PDF text) holds relative paths only."""
    _, folder, _, files, _ = closed
    texts = {}
    with zipfile.ZipFile(files.workbook) as archive:
        for name in archive.namelist():
            texts[f"xlsx:{name}"] = archive.read(name).decode("utf-8")
    for path in files.csv_dir.glob("*.csv"):
        texts[f"csv:{path.name}"] = path.read_text(encoding="utf-8")
    texts["pdf"] = subprocess.run(
        ["pdftotext", "-raw", str(files.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert len(texts) > 20
    for where, text in texts.items():
        assert str(folder) not in text, where
        assert tempfile.gettempdir() not in text and "/landing/" not in text, where
    with (files.csv_dir / "source_files.csv").open(encoding="utf-8") as fh:
        duplicate = next(r for r in csv.DictReader(fh) if r["status"] == "duplicate")
    assert duplicate["duplicate_of"] == "fireblocks/vault_20261101.json"  # landing-relative
