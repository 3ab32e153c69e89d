"""The ledger reconciliations on the full demo (chain + off-chain files + pipeline, as
`make demo`): exactly the planted faults are found.

* the October Fireblocks statement misses the month's last vault withdrawal: the one open
  break, custodian_vs_ledger on 2026-10-31, by that withdrawal's amount;
* the Kraken withdrawal of 31 October is booked by the exchange and the ledger but reaches the
  chain (ops-hot) only in November: onchain_vs_ledger at ops-hot is *explained* that day by the
  ledger's entry, matched to the transfer by its tx hash, not a break;
* the duplicate August statement and the superseded September one change nothing (only the
  corrected one counts): both statement days match; the malformed Kraken export is ignored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ingestion.config import load_config

pytestmark = pytest.mark.integration

VAULT = "fireblocks-issuance-vault"
KRAKEN = "kraken-trading"
OPS_HOT = "0xa33af280aee618e31b121f65d2ff65c6477db4b6"
OCTOBER_END = date(2026, 10, 31)


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


def test_the_only_open_break_is_the_october_fireblocks_statement(demo):
    _, con = demo
    breaks = _dicts(con, "select * from marts.reconciliation_breaks")
    assert [(b["comparison"], b["location_id"]) for b in breaks] == [("custodian_vs_ledger", VAULT)]
    (vault,) = breaks
    assert vault["as_of_date"] == OCTOBER_END and vault["break_age_days"] == 0
    assert vault["custody_provider"] == "fireblocks" and vault["location_type"] == "custodian"
    assert vault["description"].startswith("fireblocks statement 2026-10-31 shows ")
    assert "no in-transit item explains it" in vault["description"]
    # the statement is too high by exactly the withdrawal it misses
    (missed,) = con.execute(
        "select amount from staging.stg_ledger__entries where account_id = 'custody-fireblocks' "
        "and entry_type = 'withdrawal' and posted_date <= ? order by posted_at desc limit 1",
        [OCTOBER_END],
    ).fetchone()
    assert vault["difference"] == -missed > 0
    assert vault["unexplained_difference"] == vault["difference"]
    # and nothing else breaks on any day, in any comparison
    others = con.execute(
        "select comparison, location_id, as_of_date from marts.reconciliation "
        "where status = 'break' and not (comparison = 'custodian_vs_ledger' "
        "and location_id = ? and as_of_date = ?)",
        [VAULT, OCTOBER_END],
    ).fetchall()
    assert others == []


def test_duplicate_and_corrected_statements_reconcile(demo):
    _, con = demo
    rows = con.execute(
        "select as_of_date, status from marts.reconciliation "
        "where comparison = 'custodian_vs_ledger' order by as_of_date"
    ).fetchall()
    assert rows == [
        (date(2026, 8, 31), "matched"),
        (date(2026, 9, 30), "matched"),
        (OCTOBER_END, "break"),
    ]


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
    assert dict(statuses)["matched"] > 60 and "break" not in dict(statuses)


def test_inventory_daily_shows_the_custodian_and_exchange_accounts(demo):
    _, con = demo
    rows = _dicts(
        con,
        "select * from marts.inventory_daily where location_type in ('custodian', 'exchange') "
        "and as_of_date = ? order by location_id",
        [OCTOBER_END],
    )
    by = {r["location_id"]: r for r in rows}
    assert set(by) == {VAULT, KRAKEN}
    (stated,) = con.execute(
        "select balance from staging.stg_custodian__balances where asset = 'USD1' "
        "and statement_date = ?",
        [OCTOBER_END],
    ).fetchone()
    assert by[VAULT]["balance"] == stated and by[VAULT]["source_age_days"] == 0
    # the export's own running balance after its last entry of the day
    (running,) = con.execute(
        "select balance from staging.stg_exchange__entries where asset = 'USD1' and is_final "
        "order by occurred_at desc limit 1"
    ).fetchone()
    assert by[KRAKEN]["balance"] == running
    assert by[KRAKEN]["available"] == by[KRAKEN]["balance"] > Decimal(0)


def load_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")
