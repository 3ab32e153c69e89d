"""Liquidity horizons: business days from the bank calendar, withdrawal windows and the
issuer's settlement, over a weekend and a bank holiday (US: Thanksgiving 2026-11-26)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.config import ConfigError, load_config
from ingestion.liquidity import (
    BusinessCalendar,
    Calendar,
    LiquidityConfig,
    Redemption,
    Withdrawal,
    horizon_ends,
    load_liquidity_config,
    redemption_ready,
    schedule,
    withdrawal_ready,
)
from tests.conftest import write_config

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar(Calendar(country="US"))
FIREBLOCKS = Withdrawal(provider="fireblocks", hours=Decimal(2), opens_local="09:00")


def _ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(ZoneInfo("UTC"))


def test_business_days_skip_weekends_and_bank_holidays():
    assert CAL.is_business_day(date(2026, 11, 25))
    assert not CAL.is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert CAL.holiday(date(2026, 11, 26)) == "Thanksgiving Day"
    assert not CAL.is_business_day(date(2026, 11, 28))  # Saturday
    assert CAL.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert CAL.add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_three_business_days_stretch_over_the_weekend_and_the_holiday():
    ordinary = horizon_ends(date(2026, 11, 16), CAL, NY)  # Monday: Tue, Wed, Thu
    assert ordinary["3_business_days"] == _ny(2026, 11, 20)
    holiday_week = horizon_ends(date(2026, 11, 25), CAL, NY)  # Wed: Fri, Mon, Tue
    assert holiday_week["3_business_days"] == _ny(2026, 12, 2)
    assert holiday_week["24h"] == _ny(2026, 11, 27)
    assert holiday_week["1h"] == _ny(2026, 11, 26, 1)


def test_a_withdrawal_waits_for_the_next_window_after_a_weekend_or_holiday():
    # requested at the end of Tuesday: Wednesday 09:00 + 2 h
    assert withdrawal_ready(_ny(2026, 11, 18), FIREBLOCKS, Decimal(0), CAL, NY) == _ny(
        2026, 11, 18, 11
    )
    # end of Friday: Monday 09:00 + 2 h (past the 24 h horizon)
    assert withdrawal_ready(_ny(2026, 11, 21), FIREBLOCKS, Decimal(0), CAL, NY) == _ny(
        2026, 11, 23, 11
    )
    # end of Wednesday before Thanksgiving: Friday 09:00 + 2 h
    assert withdrawal_ready(_ny(2026, 11, 26), FIREBLOCKS, Decimal(0), CAL, NY) == _ny(
        2026, 11, 27, 11
    )
    # a 24/7 venue pays out at any time
    always = Withdrawal(provider="kraken", hours=Decimal("1.5"), business_days_only=False)
    assert withdrawal_ready(_ny(2026, 11, 26), always, Decimal(0), CAL, NY) == _ny(
        2026, 11, 26, 1, 30
    )
    # a provider without a rule: the default hours
    assert withdrawal_ready(_ny(2026, 11, 26), None, Decimal(24), CAL, NY) == _ny(2026, 11, 27)


def test_redemption_settles_business_days_later_after_the_cutoff():
    one_day = Redemption(settlement_business_days=1)
    assert redemption_ready(_ny(2026, 11, 17, 10), one_day, CAL, NY) == _ny(2026, 11, 18, 17)
    # after the cut-off: counted from the next business day
    assert redemption_ready(_ny(2026, 11, 17, 15, 30), one_day, CAL, NY) == _ny(2026, 11, 19, 17)
    # Wednesday before Thanksgiving, before the cut-off: Friday
    assert redemption_ready(_ny(2026, 11, 25, 9), one_day, CAL, NY) == _ny(2026, 11, 27, 17)
    # Saturday: Monday counts as day 0, Tuesday settles
    assert redemption_ready(_ny(2026, 11, 21, 9), one_day, CAL, NY) == _ny(2026, 11, 24, 17)


def test_schedule_has_every_purpose_provider_and_the_default():
    liquidity = LiquidityConfig(withdrawals=[FIREBLOCKS], wallet_move_hours={"cold": 72})
    rows = schedule(liquidity, date(2026, 11, 16), NY, CAL)
    by_key = {(r[1], r[2]): r for r in rows}
    assert by_key[("wallet_purpose", "hot")][4] == _ny(2026, 11, 17)  # hot: at once
    assert by_key[("wallet_purpose", "cold")][4] == _ny(2026, 11, 20)  # 72 h
    assert by_key[("provider", "fireblocks")][4] == _ny(2026, 11, 17, 11)
    assert by_key[("default_provider", "*")][4] == _ny(2026, 11, 18)
    # hot tokens at Tuesday 00:00 are redeemed the same business day, cash on Wednesday 17:00
    assert by_key[("wallet_purpose", "hot")][5] == _ny(2026, 11, 18, 17)


@pytest.mark.parametrize(
    ("liquidity", "message"),
    [
        ({"wallet_move_hours": {"attic": 3}}, "unknown wallet purposes"),
        ({"calendar": {"country": "XX"}}, "no bank holiday calendar"),
        (
            {"withdrawals": [{"provider": "a", "hours": 1, "opens_local": "17:00"}]},
            "cutoff_local must be after opens_local",
        ),
        ({"default_withdrawal_hours": -1}, "liquidity.default_withdrawal_hours"),
    ],
)
def test_bad_liquidity_config_names_the_key(tmp_path, liquidity, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, liquidity=liquidity))


def test_the_registry_tables_cover_the_days_and_are_replaced(tmp_path):
    config = load_config(write_config(tmp_path))
    con = duckdb.connect()
    today = date(2026, 11, 3)
    counts = load_liquidity_config(con, config, today=today)
    assert counts == load_liquidity_config(con, config, today=today)  # replaced, not appended
    assert set(counts) == {"business_days", "liquidity_schedule", "liquidity_horizons"}
    (first, last, n) = con.execute(
        "select min(as_of_date), max(as_of_date), count(distinct as_of_date) "
        "from raw.registry_liquidity_horizons"
    ).fetchone()
    assert first <= config.start_date and last >= today and n == (last - first).days + 1
    assert con.execute(
        "select is_business_day, holiday_name from raw.registry_business_days "
        "where calendar_date = date '2026-11-26'"
    ).fetchone() == (False, "Thanksgiving Day")
    assert con.execute(
        "select count(*) from raw.registry_liquidity_schedule where as_of_date = ?", [today]
    ).fetchone()[0] == len(schedule(config.liquidity, today, config.tz, CAL))
