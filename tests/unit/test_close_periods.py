"""Periods of the close: months and quarters of local days, and bad names."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.close.periods import PeriodError, last_full_month, parse_period


def test_month_and_quarter_are_cut_in_local_days():
    october = parse_period("2026-10")
    assert (october.period_type, october.start_date, october.end_date) == (
        "month",
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    q4 = parse_period("2026-q4")
    assert (q4.name, q4.start_date, q4.end_date) == (
        "2026-Q4",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert parse_period("2028-02").end_date == date(2028, 2, 29)
    assert len(october.days()) == 31


def test_next_and_previous_cross_the_year():
    assert parse_period("2026-12").next().name == "2027-01"
    assert parse_period("2027-01").previous().name == "2026-12"
    assert parse_period("2026-Q4").next().name == "2027-Q1"


def test_last_full_month_of_the_demo_is_october():
    assert last_full_month(date(2026, 11, 3)).name == "2026-10"
    assert last_full_month(date(2026, 10, 31)).name == "2026-10"
    assert last_full_month(date(2026, 10, 30)).name == "2026-09"


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "October", "", "2026-1"])
def test_a_bad_period_name_is_a_clear_error(bad):
    with pytest.raises(PeriodError, match="expected a month YYYY-MM"):
        parse_period(bad)
