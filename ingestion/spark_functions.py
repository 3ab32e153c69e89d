"""The Python functions the dbt models call on the `spark` target, registered in a Spark session.

`usd1_moving_average_pool`: a table function over the cost events of int_valuation__cost_pool,
called as

    select * from usd1_moving_average_pool(
        table(pool_input) partition by (entity, asset) order by event_sequence
    )

Spark hands each entity x asset pool, in event_sequence order, to one instance (the pools run
in parallel, one pass each: per-pool grouped processing, not one Spark job per event as a
recursive CTE is). Each input row carries the pool's start (start_units_held,
start_pool_cost_usd, start_average_cost_per_unit: the kept row an incremental run restarts from,
or an empty pool); the function returns entity, asset, event_sequence and the pool after the
event, computed by ingestion/moving_average_pool.py (the same exact arithmetic as the DuckDB
recursion). The module is shipped to Spark's Python workers by value, so a cluster's executors
need pyspark but not this project.
"""

from __future__ import annotations

from typing import Any

from ingestion import moving_average_pool

MOVING_AVERAGE_POOL = "usd1_moving_average_pool"
MOVING_AVERAGE_POOL_SCHEMA = (
    "entity string, asset string, event_sequence bigint, units_held decimal(38, 18), "
    "pool_cost_usd decimal(38, 6), average_cost_per_unit decimal(38, 12), "
    "cost_of_units_sold_usd decimal(38, 6), realized_gain_loss_usd decimal(38, 6)"
)


class MovingAveragePool:
    """One pool's rows (a Spark Python UDTF: eval per input row, terminate per partition)."""

    def __init__(self) -> None:
        self._pool: moving_average_pool.PoolState | None = None

    def eval(self, row: Any):
        if self._pool is None:
            self._pool = moving_average_pool.PoolState(
                row["start_units_held"] or moving_average_pool.ZERO,
                row["start_pool_cost_usd"] or moving_average_pool.ZERO,
                row["start_average_cost_per_unit"],
            )
        event = moving_average_pool.PoolEvent(
            int(row["event_sequence"]),
            row["event_kind"],
            row["quantity"],
            row["cost_usd"],
            row["proceeds_usd"],
        )
        self._pool, out = moving_average_pool.step(self._pool, event)
        yield (
            row["entity"],
            row["asset"],
            out.event_sequence,
            out.units_held,
            out.pool_cost_usd,
            out.average_cost_per_unit,
            out.cost_of_units_sold_usd,
            out.realized_gain_loss_usd,
        )


def register_spark_functions(spark: Any) -> None:
    """Register the functions in `spark` (a SparkSession; idempotent: re-registering replaces)."""
    from pyspark import cloudpickle
    from pyspark.sql.functions import udtf

    # the workers get the arithmetic by value: no import of this project on an executor
    cloudpickle.register_pickle_by_value(moving_average_pool)
    function = udtf(MovingAveragePool, returnType=MOVING_AVERAGE_POOL_SCHEMA)
    spark.udtf.register(MOVING_AVERAGE_POOL, function)
