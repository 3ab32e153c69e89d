"""The ledger reconciliations on the full demo (chain + off-chain files + pipeline, as
`make demo`): exactly the planted faults are found.

* the October Fireblocks statement misses the month's last vault withdrawal: the one break of a
  daily comparison, custodian_vs_ledger from 2026-10-31 on (the statement carried forward), by
  that withdrawal's amount; the vault has no movement file, so each statement's change is a
  statement_continuity break of the register (the roll-forward's unexplained_change);
* the Kraken withdrawal of 31 October is booked by the exchange and the ledger but reaches the
  chain (ops-hot) only in November: onchain_vs_ledger at ops-hot is *explained* that day by the
  ledger's entry, matched to the transfer by its tx hash, not a break;
* the duplicate August statement and the superseded September one change nothing (only the
  corrected one counts): both statement days match; the malformed Kraken export is ignored;
* an ops-hot withdrawal booked in the ledger two days before the end never went on chain:
  marts.transaction_matches lists it unmatched_ledger, and onchain_vs_ledger at ops-hot breaks
  from that day on (the other open break);
* ops-hot pays a planted unknown address on the last day: the one row of
  marts.unknown_destination_outflows, and its warning check fails.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest
from typer.testing import CliRunner

from demo.offchain_files import PLANTED_WITHDRAWAL, demo_accounts
from demo.scenario import unknown_recipient
from ingestion.config import load_config
from tests.conftest import write_config
from usd1inv.breaks import apply_events
from usd1inv.cli import app

pytestmark = pytest.mark.integration

VAULT = "fireblocks-issuance-vault"
KRAKEN = "kraken-trading"
OPS_HOT = "0xa33af280aee618e31b121f65d2ff65c6477db4b6"
OCTOBER_END = date(2026, 10, 31)
PLANTED_DAYS = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]  # the planted withdrawal


@pytest.fixture(scope="module")
def demo(shared_demo):
    config_path, outcome = shared_demo  # read only: the session's one demo run
    config = load_config(config_path)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield outcome, con
    finally:
        con.close()


def _dicts(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _last_day(con) -> date:
    return con.execute("select max(as_of_date) from marts.reconciliation").fetchone()[0]


def test_the_october_fireblocks_statement_breaks_and_stays_open(demo):
    _, con = demo
    last = _last_day(con)
    assert last >= date(2026, 11, 3)
    # the statement carried forward: a break on 10-31 and every day after it, ageing
    breaks = _dicts(
        con,
        "select * from marts.reconciliation where status = 'break' order by as_of_date",
    )
    # the vault's statement and the planted ledger withdrawal of ops-hot break, nothing else
    assert {(r["comparison"], r["location_id"]) for r in breaks} == {
        ("custodian_vs_ledger", VAULT),
        ("onchain_vs_ledger", OPS_HOT),
    }
    rows = [r for r in breaks if r["comparison"] == "custodian_vs_ledger"]
    assert rows[0]["as_of_date"] == OCTOBER_END
    assert [r["break_age_days"] for r in rows] == [
        (r["as_of_date"] - OCTOBER_END).days for r in rows
    ]
    assert rows[-1]["as_of_date"] == last
    by_day = {r["as_of_date"]: r for r in rows}
    assert by_day[date(2026, 11, 3)]["break_age_days"] == 3
    assert by_day[date(2026, 11, 3)]["break_opened_date"] == OCTOBER_END
    # the statement too high by exactly the withdrawal it misses, the same on every day
    (missed,) = con.execute(
        "select amount from staging.stg_ledger__entries where account_id = 'custody-fireblocks' "
        "and entry_type = 'withdrawal' and posted_date <= ? order by posted_at desc limit 1",
        [OCTOBER_END],
    ).fetchone()
    assert {r["difference"] for r in rows} == {-missed}
    (statement_at,) = con.execute(
        "select max(statement_at) from staging.stg_custodian__balances where asset = 'USD1'"
    ).fetchone()
    assert {r["source_as_of_at"] for r in rows} == {statement_at}
    # one register row for it, open, aged to the last day, within its 5-day SLA
    (vault,) = _dicts(
        con,
        "select * from marts.reconciliation_breaks where comparison = 'custodian_vs_ledger'",
    )
    assert (
        vault["break_id"]
        == "BRK-"
        + hashlib.md5(  # noqa: S324 - an id, not security
            f"custodian_vs_ledger|ethereum|{VAULT}|{OCTOBER_END}".encode()
        ).hexdigest()[:12]
    )
    assert (vault["status"], vault["is_open"], vault["owner"]) == ("open", True, None)
    assert (vault["opened_date"], vault["as_of_date"]) == (OCTOBER_END, last)
    assert vault["age_days"] == (last - OCTOBER_END).days
    assert vault["max_break_age_days"] == 5 and vault["sla_due_date"] == date(2026, 11, 5)
    assert vault["sla_status"] == "within_sla"
    assert vault["unexplained_difference"] == -missed
    assert vault["description"].startswith("fireblocks statement ")
    # a day past its SLA it is overdue (the register's rules, applied as the mart does)
    later = apply_events({**vault, "as_of_date": date(2026, 11, 6)}, [], ZoneInfo("UTC"))
    assert (later["age_days"], later["sla_status"]) == (6, "overdue")


def test_the_planted_ledger_withdrawal_is_an_open_break_of_ops_hot(demo):
    _, con = demo
    rows = _dicts(
        con,
        "select * from marts.reconciliation where status = 'break' "
        "and comparison = 'onchain_vs_ledger' order by as_of_date",
    )
    # the ledger booked a withdrawal the chain never saw: short by exactly that on every day
    assert [r["as_of_date"] for r in rows] == PLANTED_DAYS
    assert {r["location_id"] for r in rows} == {OPS_HOT}
    assert {r["difference"] for r in rows} == {PLANTED_WITHDRAWAL}
    (ops,) = _dicts(
        con,
        "select * from marts.reconciliation_breaks where comparison = 'onchain_vs_ledger'",
    )
    assert (ops["location_id"], ops["status"], ops["is_open"]) == (OPS_HOT, "open", True)
    assert ops["unexplained_difference"] == PLANTED_WITHDRAWAL


def test_health_counts_the_open_breaks_on_every_day(demo):
    _, con = demo
    rows = con.execute(
        "select as_of_date, open_break_count, oldest_break_age_days from marts.inventory_health "
        "where as_of_date >= ? order by as_of_date",
        [OCTOBER_END],
    ).fetchall()
    assert [r[0] for r in rows][-1] == _last_day(con)
    # the custodian break, and the October statement jump (statement_continuity), every day
    for day, count, oldest in rows:
        assert count >= 2, day
        assert oldest >= (day - OCTOBER_END).days
    (registered,) = con.execute(
        "select count(*) from marts.reconciliation_breaks where is_open"
    ).fetchone()
    assert rows[-1][1] == registered


def test_rollforward_shows_the_statement_jump_as_unexplained_change(demo):
    _, con = demo
    (row,) = _dicts(
        con,
        "select * from marts.inventory_rollforward where location_id = ? and period = '2026-10'",
        [VAULT],
    )
    (jump,) = con.execute(
        "select difference from intermediate.int_reconciliation__statement_continuity "
        "where location_id = ? and as_of_date between '2026-10-01' and ?",
        [VAULT, OCTOBER_END],
    ).fetchone()
    # the vault's October movements on chain, for the demo's seed (the scenario's issuer freeze
    # of deposit-04 changed the history after it: it was -53615.82 before)
    assert row["unexplained_change"] == jump == Decimal("667773.708804")
    # never folded into the external flows: the vault has no movement file
    assert row["inflows_external"] == row["outflows_external"] == 0
    assert row["opening_balance"] + row["unexplained_change"] == row["closing_balance"]
    # and the jump is a break of the register
    (registered,) = _dicts(
        con,
        "select * from marts.reconciliation_breaks where comparison = 'statement_continuity' "
        "and location_id = ? and opened_date = ?",
        [VAULT, OCTOBER_END],
    )
    assert registered["unexplained_difference"] == jump and registered["status"] == "open"
    # every non-zero unexplained_change of a month has its breaks
    months = con.execute(
        "select location_id, period_start_date, period_end_date, unexplained_change "
        "from marts.inventory_rollforward where period_type = 'month' and unexplained_change <> 0"
    ).fetchall()
    for location, start, end, change in months:
        (total,) = con.execute(
            "select sum(unexplained_difference) from marts.reconciliation_breaks "
            "where comparison = 'statement_continuity' and location_id = ? "
            "and opened_date between ? and ?",
            [location, start, end],
        ).fetchone()
        assert total == change, (location, start)


def test_breaks_are_worked_from_the_cli_and_audited(demo, tmp_path):
    """On a copy of the demo's warehouse: assign, note, resolve change the break at once and
    audit.break_events holds each action; repeating one records nothing."""
    _, con = demo
    (warehouse,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    copy = write_config(tmp_path)
    data = load_config(copy).warehouse_path
    data.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, data)
    (break_id,) = con.execute(
        "select break_id from marts.reconciliation_breaks where comparison = 'custodian_vs_ledger'"
    ).fetchone()
    runner = CliRunner()

    def breaks(*args):
        result = runner.invoke(app, ["breaks", *args, "--config", str(copy)])
        assert result.exit_code == 0, result.output
        return result.output

    assert "investigating" not in breaks("assign", break_id, "--to", "ana", "--by", "lead")
    assert "no change" in breaks("assign", break_id, "--to", "ana", "--by", "lead")
    assert "investigating" in breaks(
        "note", break_id, "-m", "asked Fireblocks", "--status", "investigating", "--by", "ana"
    )
    refused = runner.invoke(app, ["breaks", "resolve", break_id, "--config", str(copy)])
    assert refused.exit_code != 0  # a resolution needs a reason
    assert "resolved" in breaks("resolve", break_id, "--reason", "statement corrected")
    shown = breaks("show", break_id)
    assert "statement corrected" in shown and "asked Fireblocks" in shown
    assert break_id not in breaks("list")  # open ones only
    assert break_id in breaks("list", "--status", "resolved", "--owner", "ana")
    check = duckdb.connect(str(data), read_only=True)
    try:
        actions = check.execute(
            "select action, status, owner, reason, note, actor from audit.break_events "
            "where break_id = ? order by recorded_at",
            [break_id],
        ).fetchall()
    finally:
        check.close()
    assert [a[:5] for a in actions] == [
        ("assign", None, "ana", None, None),
        ("note", "investigating", None, None, "asked Fireblocks"),
        ("resolve", "resolved", None, "statement corrected", None),
    ]
    assert [a[5] for a in actions][:2] == ["lead", "ana"]


def test_custodian_comparison_runs_every_day_and_statements_reconcile(demo):
    _, con = demo
    rows = con.execute(
        "select as_of_date, status, source_as_of_at from marts.reconciliation "
        "where comparison = 'custodian_vs_ledger' order by as_of_date"
    ).fetchall()
    days = [r[0] for r in rows]
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))]  # no gap
    assert days[0] == date(2026, 8, 31) and days[-1] == _last_day(con)
    # the duplicate August and the corrected September statements match, and so does every
    # day they are carried forward to; October's breaks from its day on
    assert {r[1] for r in rows if r[0] < OCTOBER_END} == {"matched"}
    assert {r[1] for r in rows if r[0] >= OCTOBER_END} == {"break"}
    assert len({r[2] for r in rows}) == 3  # three statements, each carried forward


def test_kraken_withdrawal_in_transit_is_explained_by_its_tx_hash(demo):
    _, con = demo
    (item,) = _dicts(
        con,
        "select * from intermediate.int_reconciliation__in_transit_matches "
        "where source = 'ledger' and location_id = ? and source_account_id = 'wallet-ops-hot' "
        "and movement_type = 'transfer'",
        [OPS_HOT],
    )
    assert item["match_method"] == "tx_hash" and item["matched_tx_hash"] == item["tx_hash"]
    assert item["initiated_at"].astimezone(load_tz()).date() == OCTOBER_END
    assert item["settled_at"].astimezone(load_tz()).date() > OCTOBER_END
    (row,) = _dicts(
        con,
        "select * from marts.reconciliation where comparison = 'onchain_vs_ledger' "
        "and location_id = ? and as_of_date = ?",
        [OPS_HOT, OCTOBER_END],
    )
    assert row["status"] == "explained"
    assert row["difference"] == -item["amount"] != 0
    assert row["explained_in_transit"] == row["difference"]
    assert row["unexplained_difference"] == 0
    assert item["entry_id"] in row["in_transit_items"] and "tx_hash" in row["in_transit_items"]
    # the exchange and the ledger both booked it: they agree
    (exchange,) = con.execute(
        "select status from marts.reconciliation where comparison = 'exchange_vs_ledger' "
        "and location_id = ? and as_of_date = ?",
        [KRAKEN, OCTOBER_END],
    ).fetchall()
    assert exchange == ("matched",)
    # ops-hot reconciles every other day
    statuses = con.execute(
        "select status, count(*) from marts.reconciliation "
        "where comparison = 'onchain_vs_ledger' and location_id = ? group by 1",
        [OPS_HOT],
    ).fetchall()
    assert dict(statuses)["matched"] > 60 and dict(statuses)["break"] == len(PLANTED_DAYS)


def test_transaction_matches_find_the_kraken_withdrawal_by_its_tx_hash(demo):
    _, con = demo
    (leg,) = _dicts(
        con,
        "select * from marts.transaction_matches where side = 'ledger' and location_id = ? "
        "and source_account_id = 'wallet-ops-hot' and movement_type = 'transfer'",
        [OPS_HOT],
    )
    assert (leg["status"], leg["match_rule"]) == ("matched", "tx_hash")
    assert leg["matched_tx_hash"] == leg["tx_hash"] and leg["matched_log_index"] is not None
    # the other side of that transfer is the exchange's deposit address (a registry account)
    assert leg["counterparty_address"] == demo_accounts()["kraken deposit"]
    # the exchange's and the ledger's records of the withdrawal leave from the same transfer
    records = _dicts(
        con,
        "select * from marts.transaction_matches where location_id = ? "
        "and movement_type = 'withdrawal' and side in ('exchange', 'ledger')",
        [KRAKEN],
    )
    assert {r["side"] for r in records} == {"exchange", "ledger"}
    assert {(r["matched_tx_hash"], r["match_rule"]) for r in records} == {
        (leg["tx_hash"], "amount_address_window")
    }
    # customers and vendors paid by the operator are named from the allow-list
    kinds = dict(
        con.execute(
            "select counterparty_kind, count(*) from marts.transaction_matches "
            "where status = 'matched' group by 1"
        ).fetchall()
    )
    assert kinds.get("vendor", 0) > 0 and kinds.get("own_wallet", 0) > 0
    assert kinds.get("own_account", 0) > 0  # the Kraken deposit address, the Fireblocks vault


def test_transaction_matches_list_the_planted_unmatched_ledger_withdrawal(demo):
    _, con = demo
    unmatched = _dicts(con, "select * from marts.transaction_matches where status != 'matched'")
    planted = [
        r for r in unmatched if r["status"] == "unmatched_ledger" and r["location_id"] == OPS_HOT
    ]
    assert len(planted) == 1, unmatched
    (item,) = planted
    assert item["amount"] == -PLANTED_WITHDRAWAL and item["tx_hash"] is None
    assert item["side"] == "ledger" and item["matched_tx_hash"] is None
    assert item["age_days"] == 2 and item["as_of_date"] == PLANTED_DAYS[-1]
    # two days old: still inside the 72-hour window, so not (yet) a transaction_match break
    assert item["is_past_window"] is False and item["is_break"] is False
    # no on-chain transfer of a ledger-recorded location is missing from the ledger
    assert [r for r in unmatched if r["status"] == "unmatched_chain"] == []
    # the comparison carries it per day: nothing unmatched past the window yet
    rows = con.execute(
        "select distinct status from marts.reconciliation where comparison = 'transaction_match'"
    ).fetchall()
    assert rows == [("matched",)]


def test_the_planted_unknown_destination_is_listed_and_warned_about(demo):
    outcome, con = demo
    rows = _dicts(con, "select * from marts.unknown_destination_outflows")
    assert [(r["to_address"], r["location_id"]) for r in rows] == [(unknown_recipient(), OPS_HOT)]
    assert rows[0]["amount"] == Decimal("1234.5") and rows[0]["is_final"] is True
    build = next(j for j in outcome.jobs if j.job == "build_marts")
    check = "marts/unknown_destination_outflows:unknown_destination_outflows"
    assert build.checks[check] is False and check in build.warnings
    assert outcome.success


def test_inventory_daily_shows_the_custodian_and_exchange_accounts(demo):
    _, con = demo
    rows = _dicts(
        con,
        "select * from marts.inventory_daily where location_type in ('custodian', 'exchange') "
        "and as_of_date = ? order by location_id",
        [OCTOBER_END],
    )
    by = {r["location_id"]: r for r in rows}
    assert set(by) == {VAULT, KRAKEN, "kraken-otc", "coinbase-retail"}
    (stated,) = con.execute(
        "select balance from staging.stg_custodian__balances where asset = 'USD1' "
        "and statement_date = ?",
        [OCTOBER_END],
    ).fetchone()
    assert by[VAULT]["balance"] == stated and by[VAULT]["source_age_days"] == 0
    # the export's own running balance after its last entry of the day
    (running,) = con.execute(
        "select balance from staging.stg_exchange__entries where asset = 'USD1' and is_final "
        "and account_id = ? order by occurred_at desc limit 1",
        [KRAKEN],
    ).fetchone()
    assert by[KRAKEN]["balance"] == running
    assert by[KRAKEN]["balance_status"] == "running_balance"
    assert by[KRAKEN]["available"] == by[KRAKEN]["balance"] > Decimal(0)
    # exports that start mid-history (200 held before the first row): the last running balance
    assert by["kraken-otc"]["balance_status"] == "running_balance"
    assert by["kraken-otc"]["balance"] == Decimal("244.625")
    # no running balance: the configured 150 plus the entries (+60, -25.5, +10.25)
    assert by["coinbase-retail"]["balance_status"] == "anchored"
    assert by["coinbase-retail"]["balance"] == Decimal("194.75")
    # the overlapping exports chain: no continuity break anywhere in the demo
    assert not con.execute(
        "select * from marts.reconciliation where comparison = 'exchange_export_continuity' "
        "and status = 'break'"
    ).fetchall()


def load_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_a_later_statement_that_agrees_clears_the_break_by_itself(shared_demo, tmp_path):
    """On a copy of the demo's data folder: a Fireblocks statement for the last day that agrees
    with the ledger is dropped, the files are ingested and the marts rebuilt (no chain needed):
    the October break closes itself, resolved, cleared by data on that day."""
    from orchestration.defs.build import build_definitions
    from orchestration.pipeline import _outcome, dagster_instance, execute, prepare_environment

    source_config = load_config(shared_demo[0])
    copy = write_config(tmp_path)
    config = load_config(copy)
    shutil.copytree(
        source_config.data_dir,
        config.data_dir,
        ignore=shutil.ignore_patterns(source_config.dagster_home.name, "*.lock"),
    )
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        last = _last_day(con)
        (status,) = con.execute(
            "select status from marts.reconciliation where comparison = 'custodian_vs_ledger' "
            "and location_id = ? and as_of_date = ?",
            [VAULT, last],
        ).fetchone()
        as_of = datetime.combine(last, datetime.max.time().replace(microsecond=0), config.tz)
        # the ledger's balance of the vault at the new statement's time (the comparison sums
        # the ledger up to the time the custodian's records cover)
        (ledger,) = con.execute(
            "select sum(amount) from intermediate.int_reconciliation__ledger_entries "
            "where location_type = 'custodian' and location_id = ? and posted_at < ?",
            [VAULT, as_of],
        ).fetchone()
        (folder,) = con.execute(
            "select distinct source from audit.files where path like '%vault_asset_wallets_%'"
        ).fetchall()
    finally:
        con.close()
    assert status == "break"
    stamp = as_of.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    usd1 = str(ledger)
    statement = {
        "assetWallets": [
            {"vaultId": "7", "assetId": "USD1_ERC20", "available": usd1, "total": usd1,
             "pending": "0", "staked": "0", "frozen": "0", "lockedAmount": "0"},
        ],
        "paging": {},
    }  # fmt: skip
    path = config.landing_dir / folder[0] / f"vault_asset_wallets_{stamp}.json"
    path.write_text(json.dumps(statement, indent=2) + "\n", encoding="utf-8")

    prepare_environment(copy)
    definitions = build_definitions(copy)
    instance = dagster_instance(config)
    for job in ("ingest_files", "build_marts"):
        outcome = _outcome(job, execute(definitions, job, instance))
        assert outcome.success, outcome.errors

    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        (vault,) = _dicts(
            con,
            "select * from marts.reconciliation_breaks where comparison = 'custodian_vs_ledger' "
            "and location_id = ?",
            [VAULT],
        )
        (status,) = con.execute(
            "select status from marts.reconciliation where comparison = 'custodian_vs_ledger' "
            "and location_id = ? and as_of_date = ?",
            [VAULT, last],
        ).fetchone()
    finally:
        con.close()
    assert status == "matched"
    assert (vault["status"], vault["is_open"]) == ("resolved", False)
    assert vault["resolution_reason"] == f"cleared by data on {last}"
    assert vault["opened_date"] == OCTOBER_END
