"""The moving-average (weighted-average) cost pool, one pool's events in order, in exact decimals.

The same arithmetic as dbt_project/models/intermediate/valuation/int_valuation__cost_pool.sql
(its recursive CTE, which DuckDB runs), for Spark's per-pool grouped processing: Spark has no
cheap recursion (one job per event of the longest pool), so on the `spark` target the model
sends each entity x asset pool, ordered by event_sequence, through a Python table function
(ingestion/spark_functions.py) that calls `pool_rows`: one pass per pool, the pools in parallel.

Per event (the model's doc block says the same):

- acquisition: units += quantity, pool cost += cost_usd (null: 0), average cost per unit =
  pool cost / units, half-even to 12 decimals, the units first rounded to 12 decimals half away
  from zero (a DECIMAL cast on both engines); zero units: no average (null).
- disposal and conversion: if the units left would be zero or below, the whole pool cost leaves
  and the pool is emptied (units 0, cost 0); else cost of units sold = quantity (rounded to 12
  decimals, as the cast) x average, half-even to 0.000001 USD, null as 0, at most the pool's
  cost. The average does not change. A conversion realizes proceeds - cost of units sold.

The arithmetic runs in a decimal context of 100 digits (Python's default 28 would round a
DECIMAL(38, 18) sum) and every figure leaves quantized to its column's scale.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

UNITS_SCALE = Decimal("1e-18")  # DECIMAL(38, 18)
USD_SCALE = Decimal("1e-6")  # DECIMAL(38, 6)
AVERAGE_SCALE = Decimal("1e-12")  # DECIMAL(38, 12)
ZERO = Decimal(0)

# the pool's figures after each event (PoolRow's fields besides event_sequence; the model's
# columns of the same names)
COMPUTED_COLUMNS = (
    "units_held",
    "pool_cost_usd",
    "average_cost_per_unit",
    "cost_of_units_sold_usd",
    "realized_gain_loss_usd",
)

_CONTEXT = decimal.Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[decimal.InvalidOperation])


@dataclass(frozen=True)
class PoolEvent:
    """One event of a pool, as the model numbers it (event_sequence within entity x asset)."""

    event_sequence: int
    event_kind: str  # acquisition | disposal | conversion
    quantity: Decimal
    cost_usd: Decimal | None
    proceeds_usd: Decimal | None


@dataclass(frozen=True)
class PoolState:
    """The pool after an event (or the kept row an incremental run restarts from)."""

    units_held: Decimal = ZERO
    pool_cost_usd: Decimal = ZERO
    average_cost_per_unit: Decimal | None = None


@dataclass(frozen=True)
class PoolRow:
    event_sequence: int
    units_held: Decimal
    pool_cost_usd: Decimal
    average_cost_per_unit: Decimal | None
    cost_of_units_sold_usd: Decimal | None
    realized_gain_loss_usd: Decimal | None


def _cast(value: Decimal, scale: Decimal) -> Decimal:
    """A DECIMAL cast to a smaller scale: half away from zero (DuckDB and Spark alike)."""
    return value.quantize(scale, rounding=ROUND_HALF_UP, context=_CONTEXT)


def _half_even(value: Decimal, scale: Decimal) -> Decimal:
    return value.quantize(scale, rounding=ROUND_HALF_EVEN, context=_CONTEXT)


def divide_half_even(numerator_usd: Decimal, denominator_units: Decimal) -> Decimal | None:
    """macros/valuation.sql divide_half_even: USD / units to 12 decimals, half-even."""
    denominator = _cast(denominator_units, AVERAGE_SCALE)
    if denominator == 0:
        return None
    numerator = _cast(numerator_usd, USD_SCALE)
    return _half_even(_CONTEXT.divide(numerator, denominator), AVERAGE_SCALE)


def _sold_cost(pool: PoolState, quantity: Decimal) -> Decimal:
    if _CONTEXT.subtract(pool.units_held, quantity) <= 0:
        return pool.pool_cost_usd
    if pool.average_cost_per_unit is None:
        at_average = ZERO
    else:
        product = _CONTEXT.multiply(_cast(quantity, AVERAGE_SCALE), pool.average_cost_per_unit)
        at_average = _half_even(product, USD_SCALE)
    return min(pool.pool_cost_usd, at_average)


def step(pool: PoolState, event: PoolEvent) -> tuple[PoolState, PoolRow]:
    """The pool after one event, and the event's row."""
    quantity = event.quantity
    if event.event_kind == "acquisition":
        units = _CONTEXT.add(pool.units_held, quantity)
        cost = _CONTEXT.add(pool.pool_cost_usd, event.cost_usd or ZERO)
        after = PoolState(
            _cast(units, UNITS_SCALE), _cast(cost, USD_SCALE), divide_half_even(cost, units)
        )
        sold = realized = None
    else:
        sold = _sold_cost(pool, quantity)
        left = _CONTEXT.subtract(pool.units_held, quantity)
        if left <= 0:
            after = PoolState(ZERO, ZERO, pool.average_cost_per_unit)
        else:
            cost = _CONTEXT.subtract(pool.pool_cost_usd, sold)
            after = PoolState(
                _cast(left, UNITS_SCALE), _cast(cost, USD_SCALE), pool.average_cost_per_unit
            )
        realized = None
        if event.event_kind == "conversion" and event.proceeds_usd is not None:
            realized = _cast(_CONTEXT.subtract(event.proceeds_usd, sold), USD_SCALE)
    row = PoolRow(
        event.event_sequence,
        after.units_held,
        after.pool_cost_usd,
        after.average_cost_per_unit,
        sold,
        realized,
    )
    return after, row


def pool_rows(events: Iterable[PoolEvent], start: PoolState | None = None) -> Iterator[PoolRow]:
    """Every event's row, the events in event_sequence order, from `start` (default: empty)."""
    pool = start or PoolState()
    for event in events:
        pool, row = step(pool, event)
        yield row
