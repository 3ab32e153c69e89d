"""Headline cards: the day's figures with their unit and date, following the filters.

Total, available, pending, frozen / locked, own vs client (token units of
marts.inventory_daily for the filtered entities and networks), the USD value of those units at
the price of that day (marts.fair_value's price for the day measured, else its latest price
before it, named with its source, time and day), and the change since the previous day and
since the last closed period. Drawn as HTML cards, never cut off ("1,071,247.…"); amounts are
Decimal until formatted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from dashboard.formatting import timestamp, tokens, usd, usd_price
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, columns_of

AMOUNTS = ("balance", "available", "pending_in", "pending_out", "frozen", "locked")


@dataclass(frozen=True)
class Price:
    price_usd: Decimal
    source: str | None
    observed_at: datetime | None
    day: date  # the day whose price it is


@dataclass(frozen=True)
class Headline:
    day: date
    asset: str
    totals: dict[str, Decimal]  # AMOUNTS plus operating and client balances
    previous_day: date | None
    previous: dict[str, Decimal] | None
    closed_period: str | None
    closed_day: date | None
    closed: dict[str, Decimal] | None
    price: Price | None
    selected: bool  # some entity and network picked

    @property
    def usd_value(self) -> Decimal | None:
        if self.price is None or not self.selected:
            return None
        return (self.totals["balance"] * self.price.price_usd).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_EVEN
        )


def _totals(snapshot: Snapshot, filters: Filters, day: date) -> dict[str, Decimal]:
    where, params = filters.where(date_column=None)
    sums = ", ".join(f"cast(coalesce(sum({c}), 0) as decimal(38, 18)) as {c}" for c in AMOUNTS)
    row = snapshot.query(
        f"select {sums}, "
        "cast(coalesce(sum(balance) filter (where ownership = 'operating'), 0) "
        "as decimal(38, 18)) as operating, "
        "cast(coalesce(sum(balance) filter (where ownership = 'client'), 0) "
        "as decimal(38, 18)) as client "
        f"from marts.inventory_daily where {where} and as_of_date = ?",
        [*params, day],
    )
    return row.row(0, named=True)


def _price(snapshot: Snapshot, day: date) -> Price | None:
    """The price of `day`: fair_value's row measured that day, else the latest before it."""
    if not snapshot.has_table("marts.fair_value"):
        return None
    columns = set(columns_of(snapshot, "marts.fair_value"))
    day_column = "as_of_date" if "as_of_date" in columns else "period_end_date"
    observed = "price_observed_at" if "price_observed_at" in columns else "null"
    principal = "is_principal_source desc, " if "is_principal_source" in columns else ""
    rows = snapshot.query(
        f"select price_usd, price_source, {observed} as observed_at, {day_column} as day "
        f"from marts.fair_value where price_usd is not null and {day_column} <= ? "
        f"order by {day_column} desc, {principal}observed_at desc nulls last, price_source "
        "limit 1",
        [day],
    )
    if rows.is_empty():
        return None
    row = rows.row(0, named=True)
    return Price(row["price_usd"], row["price_source"], row["observed_at"], row["day"])


def _last_closed(snapshot: Snapshot, day: date) -> tuple[str | None, date | None]:
    if not snapshot.has_table("audit.closed_periods"):
        return None, None
    rows = snapshot.query(
        "select period, period_end_date from audit.closed_periods "
        "where status = 'closed' and period_end_date < ? "
        "order by period_end_date desc, period_type = 'month' desc limit 1",
        [day],
    )
    if rows.is_empty():
        return None, None
    return rows.row(0)


def headline(snapshot: Snapshot, filters: Filters) -> Headline:
    day = filters.as_of_date
    columns = columns_of(snapshot, "marts.inventory_daily")
    asset = (
        snapshot.scalar("select min(asset) from marts.inventory_daily")
        if "asset" in columns
        else None
    ) or "USD1"
    previous_day = snapshot.scalar(
        "select max(as_of_date) from marts.inventory_daily where as_of_date < ?", [day]
    )
    period, closed_day = _last_closed(snapshot, day)
    has_closed_day = closed_day is not None and bool(
        snapshot.scalar(
            "select count(*) from marts.inventory_daily where as_of_date = ?", [closed_day]
        )
    )
    return Headline(
        day=day,
        asset=asset,
        totals=_totals(snapshot, filters, day),
        previous_day=previous_day,
        previous=_totals(snapshot, filters, previous_day) if previous_day else None,
        closed_period=period,
        closed_day=closed_day,
        closed=_totals(snapshot, filters, closed_day) if has_closed_day else None,
        price=_price(snapshot, day),
        selected=bool(filters.entities) and bool(filters.networks),
    )


def _signed(value: Decimal, all_decimals: bool) -> str:
    text = tokens(value, all_decimals)
    return text if text.startswith("-") else f"+{text}"


def _changes(h: Headline, key: str, all_decimals: bool) -> list[str]:
    lines = []
    if h.previous is not None:
        delta = h.totals[key] - h.previous[key]
        lines.append(f"{_signed(delta, all_decimals)} since {h.previous_day}")
    if h.closed is not None:
        delta = h.totals[key] - h.closed[key]
        lines.append(f"{_signed(delta, all_decimals)} since close {h.closed_period}")
    elif h.closed_period:
        lines.append(f"close {h.closed_period} ({h.closed_day}): not in this snapshot")
    return lines


def cards(h: Headline, all_decimals: bool = False) -> list[tuple[str, str, str, list[str]]]:
    """(key, label, value, lines) of each card, as shown."""
    t, unit = h.totals, h.asset

    def amount(key: str) -> str:
        return f"{tokens(t[key], all_decimals)} {unit}"

    out = [
        (
            "total",
            f"Total, end of {h.day}",
            amount("balance"),
            _changes(h, "balance", all_decimals),
        ),
        (
            "available",
            f"Available, end of {h.day}",
            amount("available"),
            _changes(h, "available", all_decimals),
        ),
        (
            "pending",
            f"Pending, end of {h.day}",
            f"in {amount('pending_in')}",
            [f"out {amount('pending_out')}"],
        ),
        (
            "frozen",
            f"Frozen / locked, end of {h.day}",
            f"frozen {amount('frozen')}",
            [f"locked {amount('locked')}"],
        ),
        (
            "ownership",
            f"Own vs client, end of {h.day}",
            f"own {amount('operating')}",
            [f"client {amount('client')}"],
        ),
    ]
    if not h.selected:
        out.append(("usd", "USD value", "no entity or network selected", []))
    elif h.price is None:
        out.append(("usd", f"USD value, end of {h.day}", "no price", []))
    else:
        p = h.price
        lines = [
            f"at {usd_price(p.price_usd)} per {unit}, price of {p.day}",
            f"source {p.source or 'unknown'}"
            + (f", observed {timestamp(p.observed_at)}" if p.observed_at else ""),
        ]
        if p.day != h.day:
            lines.append(f"no price of {h.day} in the snapshot: the latest before it")
        out.append(("usd", f"USD value, end of {h.day}", usd(h.usd_value), lines))
    return out


def cards_html(h: Headline, all_decimals: bool = False) -> str:
    parts = []
    for key, title, value, lines in cards(h, all_decimals):
        sub = "".join(
            f'<div style="font-size:0.8rem;color:#555">{html.escape(x)}</div>' for x in lines
        )
        parts.append(
            f'<div class="usd1-card" data-card="{key}" style="border:1px solid #ddd;'
            'border-radius:6px;padding:8px 12px;min-width:0">'
            f'<div style="font-size:0.8rem;color:#555">{html.escape(title)}</div>'
            '<div class="usd1-card-value" style="font-size:1.35rem;font-weight:600;'
            f'overflow-wrap:anywhere;text-align:right">{html.escape(value)}</div>{sub}</div>'
        )
    return (
        '<div class="usd1-cards" style="display:grid;gap:8px;margin-bottom:12px;'
        'grid-template-columns:repeat(auto-fit,minmax(260px,1fr))">' + "".join(parts) + "</div>"
    )
