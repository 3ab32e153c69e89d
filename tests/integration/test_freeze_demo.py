"""Issuer freezes on the full demo (the session's one demo run, read only; real anvil, real
DemoUSD1 `blacklist` / `unBlacklist`, real dbt and Great Expectations).

The scenario freezes the customer deposit address `deposit-04` at the second block of its 30 %
active day and unfreezes it at the first block of the fifth active day after: the token's
`isBlacklisted(address)` read at every day end says frozen on exactly the local days in between
(silent days too); its Blacklisted / UnBlacklisted events are loaded on the first frozen day
and the day after the last; `marts.inventory_daily` counts its whole balance as frozen
(available 0) on those days and not on any other; `marts.freeze_exposure` lists it on those
days, frozen since the Blacklisted event; and the WARN check on freeze_exposure fails (the run
still succeeds) with one audit row per exposure."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest

from demo.scenario import FREEZE_ACTIVE_DAYS, FROZEN_DEPOSIT
from ingestion.config import load_config

pytestmark = pytest.mark.integration

CHECK = "marts/freeze_exposure:freeze_exposure"


@pytest.fixture(scope="module")
def demo(shared_demo):
    config_path, outcome = shared_demo
    config = load_config(config_path)
    build = next(j for j in outcome.jobs if j.job == "build_marts")
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield config, outcome, build, con
    finally:
        con.close()


def _frozen_days(con) -> list[date]:
    """The local days the scenario's plan freezes deposit-04 (the same rule as
    demo.scenario.one_offs, applied to the active days the pipeline synced): from the freeze
    day to the day before the unfreeze day."""
    active = [
        d
        for (d,) in con.execute(
            "select block_date from raw.onchain_day_blocks "
            "where network = 'ethereum' and first_block is not null order by 1"
        ).fetchall()
    ]
    start = (len(active) * 3) // 10
    first, unfrozen = active[start], active[start + FREEZE_ACTIVE_DAYS]
    return [first + timedelta(days=i) for i in range((unfrozen - first).days)]


def test_the_freeze_view_says_frozen_on_exactly_the_frozen_days(demo):
    config, outcome, _, con = demo
    assert outcome.success, outcome.failure_summary
    deposit = next(w.address for w in config.wallets if w.label == FROZEN_DEPOSIT)
    days = _frozen_days(con)
    # the demo's seed: frozen on 2026-08-29 11:06 EDT, unfrozen on 2026-09-04 06:57 EDT
    assert days[0] == date(2026, 8, 29) and days[-1] == date(2026, 9, 3)
    frozen = con.execute(
        "select address, block_date from raw.onchain_freezes where is_frozen order by 1, 2"
    ).fetchall()
    assert frozen == [(deposit, d) for d in days]
    # every ethereum wallet and counterparty is read every synced day; bnb has no freeze block
    addresses = {w.address for w in config.wallets_on("ethereum")} | {
        c.address for c in config.counterparties if c.network == "ethereum"
    }
    per_day = con.execute(
        "select block_date, count(distinct address), count(*) from raw.onchain_freezes "
        "where network = 'ethereum' group by 1"
    ).fetchall()
    synced = con.execute(
        "select count(*) from raw.onchain_day_blocks where network = 'ethereum'"
    ).fetchone()[0]
    assert len(per_day) == synced
    assert all(n == len(addresses) == rows for _, n, rows in per_day)
    assert con.execute(
        "select count(*) from raw.onchain_freezes where network = 'bnb'"
    ).fetchone() == (0,)
    # the events say when: frozen on the first frozen day, unfrozen on the day after the last
    events = con.execute(
        "select address, is_frozen, event_signature, block_date "
        "from staging.stg_onchain__freeze_events order by block_number"
    ).fetchall()
    assert events == [
        (deposit, True, "Blacklisted(address)", days[0]),
        (deposit, False, "UnBlacklisted(address)", days[-1] + timedelta(days=1)),
    ]


def test_a_frozen_deposit_address_is_frozen_not_available_and_available_after(demo):
    config, _, _, con = demo
    deposit = next(w.address for w in config.wallets if w.label == FROZEN_DEPOSIT)
    days = set(_frozen_days(con))
    rows = con.execute(
        "select as_of_date, location_id, balance, pending_out, frozen, locked, available "
        "from marts.inventory_daily where location_type in ('wallet', 'contract') "
        "and network = 'ethereum'"
    ).fetchall()
    mine = {d: (b, f, a) for d, loc, b, _, f, _, a in rows if loc == deposit}
    for day in days:
        balance, frozen, available = mine[day]
        assert balance > 0 and frozen == balance and available == 0, (day, mine[day])
    # the whole deposit was held: the balance does not move while frozen
    assert len({mine[d][0] for d in days}) == 1
    for day, loc, balance, pending_out, frozen, locked, available in rows:
        if loc == deposit and day in days:
            continue
        assert frozen == 0, (day, loc)
        assert available == max(balance - pending_out - frozen - locked, 0), (day, loc)
    # unfrozen: the next evening's sweep moves the held balance to the omnibus
    after = max(days) + timedelta(days=1)
    assert mine[after][1] == 0 and mine[after][2] == mine[after][0]
    moved = con.execute(
        "select outflow from marts.inventory_daily where location_id = ? and as_of_date = ?",
        [deposit, after],
    ).fetchone()[0]
    assert moved >= mine[max(days)][0]


def test_freeze_exposure_lists_the_frozen_wallet_and_the_warning_fires(demo):
    config, _, build, con = demo
    deposit = next(w.address for w in config.wallets if w.label == FROZEN_DEPOSIT)
    days = _frozen_days(con)
    rows = con.execute(
        "select exposure_id, as_of_date, exposure_type, address, address_label, ownership, "
        "frozen_balance, frozen_since_at from marts.freeze_exposure order by as_of_date"
    ).fetchall()
    frozen_at = con.execute(
        "select block_time from raw.onchain_freeze_events where is_frozen"
    ).fetchone()[0]
    assert {r[7] for r in rows} == {frozen_at}
    balances = dict(
        con.execute(
            "select as_of_date, balance from marts.inventory_daily where location_id = ?",
            [deposit],
        ).fetchall()
    )
    assert [(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        (d, "frozen_wallet", deposit, FROZEN_DEPOSIT, "client", balances[d]) for d in days
    ]
    # the WARN check fails (the run succeeds), one audit row per exposure
    assert build.checks[CHECK] is False
    assert CHECK in build.warnings
    keys = [
        json.loads(k)["exposure_id"]
        for (k,) in con.execute(
            "select keys_json from audit.expectation_failures "
            "where run_id = ? and suite = 'freeze_exposure'",
            [build.run_id],
        ).fetchall()
    ]
    assert sorted(keys) == sorted(r[0] for r in rows)
