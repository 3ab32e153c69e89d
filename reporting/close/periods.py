"""Periods of the close: a month ('2026-10') or a quarter ('2026-Q4') of local days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period name that cannot be read."""


@dataclass(frozen=True)
class Period:
    name: str  # '2026-10' or '2026-Q4', as in marts.inventory_rollforward.period
    period_type: str  # month | quarter
    start_date: date  # first local day
    end_date: date  # last local day

    def next(self) -> Period:
        """The period of the same type that follows this one."""
        return period_containing(self.end_date + timedelta(days=1), self.period_type)

    def previous(self) -> Period:
        return period_containing(self.start_date - timedelta(days=1), self.period_type)

    def days(self) -> list[date]:
        count = (self.end_date - self.start_date).days + 1
        return [self.start_date + timedelta(days=i) for i in range(count)]


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(name: str) -> Period:
    """'2026-10' → October 2026; '2026-Q4' → October-December 2026. Anything else: an error."""
    text = (name or "").strip()
    if match := MONTH_RE.match(text):
        year, month = int(match[1]), int(match[2])
        return Period(text, "month", date(year, month, 1), _month_end(year, month))
    if match := QUARTER_RE.match(text.upper()):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Period(
            f"{year}-Q{quarter}", "quarter", date(year, first, 1), _month_end(year, first + 2)
        )
    raise PeriodError(
        f"--period: expected a month YYYY-MM (e.g. 2026-10) or a quarter YYYY-Qn "
        f"(e.g. 2026-Q4), got {name!r}"
    )


def period_containing(day: date, period_type: str) -> Period:
    if period_type == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if period_type == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    raise PeriodError(f"period type must be month or quarter, got {period_type!r}")


def last_full_month(last_day: date) -> Period:
    """The last month that ends on or before `last_day` (a local day with data)."""
    month = period_containing(last_day, "month")
    return month if month.end_date <= last_day else month.previous()
