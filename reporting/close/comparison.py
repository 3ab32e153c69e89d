"""Tables of the close pack derived from several snapshot tables: the period-over-period
comparison (this period against the prior one) and the roll-forward valued in USD.

The prior period's figures are in the close's snapshot (`prior_period`, reporting/close/sources.py):
from the prior period's own close when it was closed, else from the warehouse as it stood at this
close; the table's note says which. Every figure is an exact Decimal.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from reporting.close.periods import Period
from reporting.close.snapshot import Table
from reporting.close.tables import ROLLFORWARD_AMOUNTS, Column, PackTable

MICRO = Decimal("0.000001")
ALL_LOCATIONS = "all (fair value)"
COMPARISON_COLUMNS = [
    Column("entity", "text"),
    Column("ownership", "text"),
    Column("location_type", "text"),
    Column("prior_units", "token"),
    Column("units", "token"),
    Column("change_units", "token"),
    Column("prior_fair_value_usd", "usd"),
    Column("fair_value_usd", "usd"),
    Column("change_usd", "usd"),
]
Key = tuple[str, str, str]


def _sum(values: dict[Key, Decimal], key: Key, value: object) -> None:
    if value is not None:
        values[key] = values.get(key, Decimal(0)) + Decimal(value)


def _current(tables: dict[str, Table]) -> tuple[dict[Key, Decimal], dict[Key, Decimal]]:
    units: dict[Key, Decimal] = {}
    usd: dict[Key, Decimal] = {}
    for row in tables["inventory_rollforward"].dicts() if "inventory_rollforward" in tables else []:
        key = (row["entity"], row["ownership"], row["location_type"])
        _sum(units, key, row.get("closing_balance"))
    for row in tables["fair_value"].dicts() if "fair_value" in tables else []:
        key = (row["entity"], row["ownership"], ALL_LOCATIONS)
        _sum(units, key, row.get("units"))
        _sum(usd, key, row.get("fair_value_usd"))
    return units, usd


def _prior(rows: list[dict]) -> tuple[dict[Key, Decimal], dict[Key, Decimal]]:
    units: dict[Key, Decimal] = {}
    usd: dict[Key, Decimal] = {}
    for row in rows:
        where = row["location_type"] if row["measure"] == "closing_balance" else ALL_LOCATIONS
        key = (row["entity"], row["ownership"], where)
        target = usd if row["measure"] == "fair_value_usd" else units
        _sum(target, key, row["value"])
    return units, usd


def prior_basis(tables: dict[str, Table], period: Period) -> str:
    """Where the prior period's figures come from, in words."""
    prior = period.previous().name
    rows = tables["prior_period"].dicts() if "prior_period" in tables else []
    if not rows:
        return f"no figures for the prior period {prior} in the warehouse at the close"
    first = rows[0]
    if first["basis"] == "closed":
        return f"prior period {prior} as closed ({first['source_close_id']}, its stored snapshot)"
    return f"prior period {prior} from the warehouse's data at this close ({prior} was not closed)"


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None and before is None:
        return None
    return (now or Decimal(0)) - (before or Decimal(0))


def period_comparison(tables: dict[str, Table], period: Period) -> PackTable:
    """Closing units per entity, ownership and location type, and units and fair value per
    entity and ownership, against the prior period; own and client rows stay apart."""
    table = PackTable(
        "comparison",
        f"Period-over-period comparison: {period.name} against {period.previous().name}",
        list(COMPARISON_COLUMNS),
        note=prior_basis(tables, period),
    )
    units, usd = _current(tables)
    rows = tables["prior_period"].dicts() if "prior_period" in tables else []
    prior_units, prior_usd = _prior(rows)
    keys = sorted(set(units) | set(usd) | set(prior_units) | set(prior_usd))
    for key in keys:
        table.rows.append(
            [
                *key,
                prior_units.get(key),
                units.get(key),
                _change(units.get(key), prior_units.get(key)),
                prior_usd.get(key),
                usd.get(key),
                _change(usd.get(key), prior_usd.get(key)),
            ]
        )
    return table


def rollforward_usd(tables: dict[str, Table], period: Period) -> PackTable:
    """The roll-forward per entity and ownership in USD: each movement's units times the
    period-end price of the fair value (its price, source and time are in Fair value), rounded
    half up to 6 decimals; unexplained_change has its own column."""
    columns = [Column("entity", "text"), Column("ownership", "text"), Column("asset", "text")]
    columns += [Column("price_usd", "price")]
    columns += [Column(f"{name}_usd", "usd") for name in ROLLFORWARD_AMOUNTS]
    table = PackTable(
        "rollforward_usd",
        "Roll-forward in USD (units at the period-end price)",
        columns,
        totals=[f"{name}_usd" for name in ROLLFORWARD_AMOUNTS],
    )
    if "inventory_rollforward" not in tables or "fair_value" not in tables:
        table.columns, table.totals = [], []
        table.note = "not available: the close has no roll-forward or no fair value"
        return table
    prices = {
        (r["entity"], r["ownership"], r["asset"]): r.get("price_usd")
        for r in tables["fair_value"].dicts()
    }
    sums: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(ROLLFORWARD_AMOUNTS))
    for row in tables["inventory_rollforward"].dicts():
        key = (row["entity"], row["ownership"], row["asset"])
        for i, name in enumerate(ROLLFORWARD_AMOUNTS):
            sums[key][i] += Decimal(row.get(name) or 0)
    unpriced = []
    for key, amounts in sorted(sums.items()):
        price = prices.get(key)
        if price is None:
            unpriced.append("/".join(key))
            continue
        values = [(a * Decimal(price)).quantize(MICRO, ROUND_HALF_UP) for a in amounts]
        table.rows.append([*key, price, *values])
    notes = ["units times the period-end price_usd of Fair value, rounded half up to 6 decimals"]
    if unpriced:
        notes.append("no period-end price for " + ", ".join(unpriced))
    table.note = "; ".join(notes)
    return table
