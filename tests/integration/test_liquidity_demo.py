"""Liquidity horizons on the full demo (the session's one demo run, read only): the mart equals
the schedule of ingestion/liquidity.py applied to inventory_daily's available balances, and the
bank calendar shows: the Fireblocks vault (withdrawals 09:00-16:00 on business days, 2 h) is
liquid within 24 hours of a Tuesday's end, not of the Friday before Columbus Day (2026-10-12,
a US bank holiday), whose 3 business days end on Friday 10-16 instead of Wednesday."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest

from ingestion.config import load_config
from ingestion.liquidity import BusinessCalendar, horizon_ends, schedule

pytestmark = pytest.mark.integration

VAULT = "fireblocks-issuance-vault"
FRIDAY, TUESDAY = date(2026, 10, 9), date(2026, 10, 13)


@pytest.fixture(scope="module")
def demo(shared_demo):
    config = load_config(shared_demo[0])
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield config, con
    finally:
        con.close()


def _expected(config, con, day: date) -> dict[tuple, tuple[Decimal, Decimal, Decimal]]:
    """(entity, ownership, horizon) -> (available, spendable, redeemable) as Python sees it."""
    cal = BusinessCalendar(config.liquidity.calendar)
    ready = {(r[1], r[2]): (r[4], r[5]) for r in schedule(config.liquidity, day, config.tz, cal)}
    ends = horizon_ends(day, cal, config.tz)
    rows = con.execute(
        "select entity, ownership, location_type, custody_provider, purpose, available "
        "from intermediate.int_risk__located_inventory "
        "where as_of_date = ? and not is_unknown_control and available is not null",
        [day],
    ).fetchall()
    out: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for entity, ownership, kind, provider, purpose, available in rows:
        if kind in ("wallet", "contract"):
            token_at, usd_at = ready[("wallet_purpose", purpose)]
        else:
            token_at, usd_at = ready.get(("provider", provider), ready[("default_provider", "*")])
        for horizon, end in ends.items():
            acc = out[(entity, ownership, horizon)]
            acc[0] += available
            acc[1] += available if token_at <= end else 0
            acc[2] += available if usd_at <= end else 0
    return {k: tuple(v) for k, v in out.items()}


def _mart(con, day: date) -> dict[tuple, tuple]:
    return {
        (e, o, h): (a, s, r)
        for e, o, h, a, s, r in con.execute(
            "select entity, ownership, horizon, available_total, spendable_units, "
            "redeemable_usd from marts.liquidity_horizons where as_of_date = ?",
            [day],
        ).fetchall()
    }


def test_the_mart_is_the_schedule_applied_to_the_available_balances(demo):
    config, con = demo
    for day in (FRIDAY, TUESDAY):
        assert _mart(con, day) == _expected(config, con, day), day


def test_the_vault_is_liquid_in_24_hours_after_a_tuesday_not_before_a_holiday(demo):
    config, con = demo
    (vault,) = con.execute(
        "select available from marts.inventory_daily where location_id = ? and as_of_date = ?",
        [VAULT, FRIDAY],
    ).fetchone()
    assert vault > 0
    friday, tuesday = _mart(con, FRIDAY), _mart(con, TUESDAY)
    key = ("acme-pay", "operating", "24h")
    # Friday: the vault waits for Tuesday 09:00 (Monday is Columbus Day), past 24 hours
    assert friday[key][1] <= friday[key][0] - vault
    (ends,) = con.execute(
        "select horizon_end_at from marts.liquidity_horizons where as_of_date = ? and "
        "horizon = '3_business_days' limit 1",
        [FRIDAY],
    ).fetchone()
    assert ends.astimezone(config.tz).replace(tzinfo=None) == datetime(2026, 10, 16)
    # on Tuesday's end it is out by Wednesday 11:00, within 24 hours: the share is higher
    tue_vault = con.execute(
        "select available from marts.inventory_daily where location_id = ? and as_of_date = ?",
        [VAULT, TUESDAY],
    ).fetchone()[0]
    assert tuesday[key][1] >= tue_vault > 0
