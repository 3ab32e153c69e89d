"""The real `dbt build` (all models and data tests, no unit tests) on a hand-written warehouse:
exchange positions from what the source says it holds (issue #15).

One network (ethereum, 18 decimals, days cut in UTC), 2026-10-01..10-31, five exchange
accounts, rows inserted into `raw` as the file loader writes them (audit.files marks every
file loaded):
* `kraken-mid`: two monthly Kraken-like exports that start mid-history and overlap (the
  entries of Oct 15-20 are in both): the account's last day equals the last running balance
  exactly (summing from zero would give a different figure), the overlap counts once and the
  chain adds up (no continuity break);
* `kraken-gap`: two exports with a missing window between them (the second one's opening is
  not the first one's closing): an `exchange_export_continuity` break naming the file, row
  and both figures, while the position follows the export's own running balance;
* `bitstamp-config`: a layout without a running balance, anchored by a configured opening
  balance mid-month (rolled backward and forward);
* `bitstamp-file`: the same, anchored by a balances-file snapshot;
* `bitstamp-none`: the same without any anchor: `unanchored`, its balance null, not in the
  roll-forward;
* `kraken-negative`: an export whose running balance goes below zero: an
  `offchain_negative_balance` break naming its file and row, while the build, the integrity
  suite of inventory_daily and the publish go through for everyone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.warehouse import init_warehouse

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")
DBT_VARS = {"reporting_timezone": "UTC", "start_date": "2026-10-01"}
NETWORK, CHAIN_ID = "ethereum", 31337
TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
OPS = "0xa33af280aee618e31b121f65d2ff65c6477db4b6"
UNIT = 10**18
LAST_DAY = date(2026, 10, 31)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (file, entry id, UTC time, amount, fee, running balance): Kraken rows, oldest first. The
# first export starts mid-history: 10.5 - (2 - 0) = 8.5 held before it. Entries K3..K4 are in
# both exports (the overlap); two entries share one second (K5, K6: file order decides).
KRAKEN_MID = [
    ("mid-2026-10a.csv", "K1", "2026-10-02 09:00:00", "2", "0", "10.5"),
    ("mid-2026-10a.csv", "K2", "2026-10-08 09:00:00", "-3", "0.01", "7.49"),
    ("mid-2026-10a.csv", "K3", "2026-10-15 09:00:00", "1.32", "0", "8.81"),
    ("mid-2026-10a.csv", "K4", "2026-10-20 09:00:00", "-8", "0", "0.81"),
    ("mid-2026-10b.csv", "K3", "2026-10-15 09:00:00", "1.32", "0", "8.81"),
    ("mid-2026-10b.csv", "K4", "2026-10-20 09:00:00", "-8", "0", "0.81"),
    ("mid-2026-10b.csv", "K5", "2026-10-25 12:00:00", "5", "0", "5.81"),
    ("mid-2026-10b.csv", "K6", "2026-10-25 12:00:00", "-4.99999988", "0", "0.81000012"),
]
# the second export's first row implies 6 - 1 = 5 held before it; the first one ended at 3
KRAKEN_GAP = [
    ("gap-2026-10a.csv", "G1", "2026-10-03 09:00:00", "1", "0", "4"),
    ("gap-2026-10a.csv", "G2", "2026-10-09 09:00:00", "-1", "0", "3"),
    ("gap-2026-10b.csv", "G3", "2026-10-21 09:00:00", "1", "0", "6"),
    ("gap-2026-10b.csv", "G4", "2026-10-28 09:00:00", "-2", "0.5", "3.5"),
]
# the venue says the account went below zero on the 12th (row 2)
KRAKEN_NEGATIVE = [
    ("neg-2026-10.csv", "N1", "2026-10-05 09:00:00", "1", "0", "1"),
    ("neg-2026-10.csv", "N2", "2026-10-12 09:00:00", "-3", "0", "-2"),
    ("neg-2026-10.csv", "N3", "2026-10-19 09:00:00", "5", "0", "3"),
]
# (account, file, entry id, UTC time, amount): no running balance in the layout
BITSTAMP = [
    (account, f"{account}.csv", f"{account}-{n}", at, amount)
    for account in ("bitstamp-config", "bitstamp-file", "bitstamp-none")
    for n, (at, amount) in enumerate(
        [("2026-10-04 10:00:00", "100"), ("2026-10-18 10:00:00", "-30")], start=1
    )
]
# 170 after every entry up to 2026-10-10 00:00 (only the +100 of the 4th): 70 held before it
OPENING = ("bitstamp-config", "USD1", "2026-10-10 00:00:00", "170")
SNAPSHOT = ("bitstamp-file", "USD1", "2026-10-25 00:00:00", "95")  # after both: 25 before


def _file(con: duckdb.DuckDBPyConnection, name: str, kind: str, dropped: str) -> None:
    con.execute(
        "insert into audit.files (sha256, path, file_name, size_bytes, dropped_at, source, kind, "
        "adapter, status, rows_in, rows_loaded, rows_quarantined, load_id, loaded_at) values "
        "(?, ?, ?, 1, ?, 'landing', ?, 'fixture', 'loaded', 1, 1, 0, 'fixture', ?)",
        [f"sha-{name}", f"/landing/{name}", name, _ts(dropped), kind, _ts(dropped)],
    )


def _entry(con, account, name, row, entry, at, amount, fee, balance) -> None:
    con.execute(
        "insert into raw.exchange_entries (source, adapter, venue, account_id, entry_id, ref_id,"
        " entry_type, venue_type, is_final, asset, venue_asset, amount, fee, fee_asset, balance,"
        " occurred_at, statement_key, file_path, file_sha256, row_number, load_id) values"
        " ('landing', 'fixture', 'venue', ?, ?, ?, 'trade', 'trade', true, 'USD1', 'USD1',"
        " ?, ?, 'USD1', ?, ?, 'key', ?, ?, ?, 'fixture')",
        [account, entry, f"R{entry}", Decimal(amount), Decimal(fee),
         None if balance is None else Decimal(balance), _ts(at), f"/landing/{name}",
         f"sha-{name}", row],
    )  # fmt: skip


def _load_fixture(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        init_warehouse(con)
        con.execute("insert into raw.registry_entities values ('acme-pay', 'Acme Pay Inc.')")
        con.execute(
            "insert into raw.registry_networks values (?, ?, ?, 'USD1', 18, 3, 0)",
            [NETWORK, CHAIN_ID, TOKEN],
        )
        con.execute(
            "insert into raw.registry_wallets values (?, ?, 'acme-pay', 'ops-hot', 'hot', "
            "'self', 'operating')",
            [NETWORK, OPS],
        )
        accounts = ["kraken-mid", "kraken-gap", "kraken-negative", "bitstamp-config",
                    "bitstamp-file", "bitstamp-none"]  # fmt: skip
        con.executemany(
            "insert into raw.registry_accounts values (?, 'exchange', ?, null, 'acme-pay', "
            "'operating', ?, 'trading', null, ?)",
            [[a, a.split("-")[0], NETWORK, a] for a in accounts],
        )
        con.execute(
            "insert into raw.onchain_transfers (chain_id, network, token_address, block_number, "
            "block_hash, block_time, tx_hash, tx_index, log_index, from_address, to_address, "
            "amount_raw, is_final, source_ref, load_id) values (?, ?, ?, 1, ?, ?, ?, 0, 1, ?, "
            "?, ?, true, 'fixture', 'fixture')",
            [CHAIN_ID, NETWORK, TOKEN, "0x" + "1" * 64, _ts("2026-10-01 12:00:00"),
             "0x" + "2" * 64, "0x" + "c" * 40, OPS, Decimal(50 * UNIT)],
        )  # fmt: skip
        day = date(2026, 10, 1)
        while day <= LAST_DAY:
            n = (day - date(2026, 10, 1)).days + 1
            con.execute(
                "insert into raw.onchain_day_blocks values (?, ?, ?, ?, ?, ?, ?, 40, true, true)",
                [NETWORK, CHAIN_ID, day, n, n, f"0x{n:064x}",
                 datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=20)],
            )  # fmt: skip
            day += timedelta(days=1)
        files: dict[str, int] = {}
        for account, rows in (
            ("kraken-mid", KRAKEN_MID),
            ("kraken-gap", KRAKEN_GAP),
            ("kraken-negative", KRAKEN_NEGATIVE),
        ):
            for name, entry, at, amount, fee, balance in rows:
                if name not in files:
                    _file(con, name, "exchange", f"2026-11-0{len(files) + 1} 00:00:00")
                files[name] = files.get(name, 0) + 1
                _entry(con, account, name, files[name], entry, at, amount, fee, balance)
        for account, name, entry, at, amount in BITSTAMP:
            if name not in files:
                _file(con, name, "exchange", "2026-11-09 00:00:00")
            files[name] = files.get(name, 0) + 1
            _entry(con, account, name, files[name], entry, at, amount, "0", None)
        account, asset, at, amount = OPENING
        con.execute(
            "insert into raw.registry_opening_balances values (?, ?, ?, ?, 'support ticket 42')",
            [account, asset, _ts(at), Decimal(amount)],
        )
        account, asset, at, amount = SNAPSHOT
        _file(con, "balances.csv", "exchange", "2026-11-10 00:00:00")
        con.execute(
            "insert into raw.exchange_balances values ('landing', 'fixture', 'bitstamp', ?, ?, "
            "?, ?, ?, ?, 0, 'key', '/landing/balances.csv', 'sha-balances.csv', 1, 'fixture')",
            [account, asset, asset, _ts(at), Decimal(amount), Decimal(amount)],
        )
    finally:
        con.close()


def _dbt_build(warehouse: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    return subprocess.run(
        [str(DBT), "build", "--exclude-resource-type", "unit_test",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
         "--vars", json.dumps(DBT_VARS)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    work = tmp_path_factory.mktemp("dbt_exchange_positions")
    path = work / "warehouse.duckdb"
    _load_fixture(path)
    result = _dbt_build(path, work)
    # one account's negative figure does not stop the build of the others
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr}"
    yield path, work


@pytest.fixture(scope="module")
def warehouse(built: tuple[Path, Path]) -> Path:
    return built[0]


def _rows(warehouse: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def _daily(warehouse: Path, account: str) -> dict[date, dict[str, Any]]:
    rows = _rows(
        warehouse,
        "select * from marts.inventory_daily where location_id = ? order by as_of_date",
        [account],
    )
    return {r["as_of_date"]: r for r in rows}


def _recon(warehouse: Path, account: str, comparison: str) -> dict[date, dict[str, Any]]:
    rows = _rows(
        warehouse,
        "select * from marts.reconciliation where location_id = ? and comparison = ?",
        [account, comparison],
    )
    return {r["as_of_date"]: r for r in rows}


def test_mid_history_export_ends_on_its_last_running_balance(warehouse: Path) -> None:
    daily = _daily(warehouse, "kraken-mid")
    last = daily[LAST_DAY]
    assert last["balance"] == Decimal("0.81000012")  # not 0.81000012 - 8.5 from zero
    assert last["balance_status"] == "running_balance"
    assert last["balance_raw"] == Decimal("810000120000000000")
    # the day before the first entry is not shown; its first day ends on its running balance
    assert min(daily) == date(2026, 10, 2)
    assert daily[date(2026, 10, 2)]["balance"] == Decimal("10.5")
    assert daily[date(2026, 10, 8)]["balance"] == Decimal("7.49")
    # the overlap counts once: one entry on the 15th, one on the 20th
    assert daily[date(2026, 10, 15)]["transfer_count"] == 1
    assert daily[date(2026, 10, 15)]["inflow"] == Decimal("1.32")
    assert daily[date(2026, 10, 20)]["balance"] == Decimal("0.81")
    # two entries in one second: the later row of the file is the day's closing figure
    assert daily[date(2026, 10, 25)]["balance"] == Decimal("0.81000012")


def test_consecutive_exports_with_an_overlap_chain(warehouse: Path) -> None:
    recon = _recon(warehouse, "kraken-mid", "exchange_export_continuity")
    assert recon, "an account with two exports is checked"
    assert {r["status"] for r in recon.values()} == {"matched"}
    assert recon[LAST_DAY]["left_balance"] == recon[LAST_DAY]["right_balance"]


def test_a_gap_between_exports_is_a_break_naming_file_and_figures(warehouse: Path) -> None:
    daily = _daily(warehouse, "kraken-gap")
    assert daily[date(2026, 10, 20)]["balance"] == Decimal("3")
    assert daily[date(2026, 10, 21)]["balance"] == Decimal("6")  # what the export says
    assert daily[LAST_DAY]["balance"] == Decimal("3.5")
    recon = _recon(warehouse, "kraken-gap", "exchange_export_continuity")
    assert recon[date(2026, 10, 20)]["status"] == "matched"
    gap = recon[date(2026, 10, 21)]
    assert gap["status"] == "break"
    assert gap["difference"] == Decimal("2")  # opening 5 implied, 3 after the first export
    assert recon[LAST_DAY]["status"] == "break"
    assert recon[LAST_DAY]["break_age_days"] == 10
    (open_break,) = _rows(
        warehouse,
        "select * from marts.reconciliation_breaks where location_id = 'kraken-gap' "
        "and comparison = 'exchange_export_continuity'",
    )
    text = open_break["right_source"]
    assert "gap-2026-10b.csv row 1" in text and "implies 5" in text
    assert "gap-2026-10a.csv row 2" in text and "showing 3" in text
    assert "2026-10-09 09:00:00" in text and "2026-10-21 09:00:00" in text


def test_a_layout_without_running_balance_rolls_from_its_anchor(warehouse: Path) -> None:
    configured = _daily(warehouse, "bitstamp-config")
    assert {r["balance_status"] for r in configured.values()} == {"anchored"}
    assert configured[date(2026, 10, 4)]["balance"] == Decimal("170")  # rolled backward
    assert configured[date(2026, 10, 10)]["balance"] == Decimal("170")
    assert configured[LAST_DAY]["balance"] == Decimal("140")  # rolled forward
    snapshot = _daily(warehouse, "bitstamp-file")
    assert {r["balance_status"] for r in snapshot.values()} == {"anchored"}
    assert snapshot[date(2026, 10, 4)]["balance"] == Decimal("125")
    assert snapshot[LAST_DAY]["balance"] == Decimal("95")
    assert snapshot[LAST_DAY]["source_as_of_at"] == _ts(SNAPSHOT[2])


def test_a_layout_without_any_anchor_is_unanchored_and_not_summed(warehouse: Path) -> None:
    daily = _daily(warehouse, "bitstamp-none")
    assert {r["balance_status"] for r in daily.values()} == {"unanchored"}
    last = daily[LAST_DAY]
    assert last["balance"] is None and last["available"] is None and last["balance_raw"] is None
    assert daily[date(2026, 10, 18)]["outflow"] == Decimal("30")  # its flows are known
    rollforward = _rows(
        warehouse,
        "select * from marts.inventory_rollforward where location_id = 'bitstamp-none'",
    )
    assert rollforward == []
    (total,) = _rows(
        warehouse,
        "select sum(balance) as balance from marts.inventory_daily where as_of_date = ?",
        [LAST_DAY],
    )
    assert total["balance"] == Decimal("50") + Decimal("0.81000012") + Decimal("3.5") + 3 + 140 + 95


def test_a_negative_source_figure_flags_its_account_only(built: tuple[Path, Path]) -> None:
    warehouse, work = built
    daily = _daily(warehouse, "kraken-negative")
    assert daily[date(2026, 10, 12)]["balance"] == Decimal("-2")  # shown as the source says
    assert daily[date(2026, 10, 12)]["available"] == Decimal("0")
    recon = _recon(warehouse, "kraken-negative", "offchain_negative_balance")
    assert recon[date(2026, 10, 11)]["status"] == "matched"
    assert recon[date(2026, 10, 12)]["status"] == "break"
    assert "neg-2026-10.csv row 2" in recon[date(2026, 10, 12)]["left_source"]
    assert recon[LAST_DAY]["status"] == "matched"
    flagged = _rows(
        warehouse,
        "select distinct location_id from marts.reconciliation "
        "where comparison = 'offchain_negative_balance'",
    )
    assert flagged == [{"location_id": "kraken-negative"}]
    # the blocking integrity suite of inventory_daily passes and the marts publish
    from expectations.runner import run_suite
    from expectations.suites import inventory_daily
    from reporting.publish import publish_snapshot

    outcome = run_suite(warehouse, inventory_daily.SUITE)
    assert outcome.success, outcome.summary()
    result = publish_snapshot(warehouse, work / "data")
    con = duckdb.connect(str(result.snapshot), read_only=True)
    try:
        count = con.execute(
            "select count(*) from marts.inventory_daily where location_id = 'kraken-mid'"
        ).fetchone()[0]
    finally:
        con.close()
    assert count == 30
