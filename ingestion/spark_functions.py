"""The Python functions the dbt models call on the `spark` target, registered in a Spark session.

`usd1_moving_average_pool`: a table function over the cost events of int_valuation__cost_pool,
called as

    select * from usd1_moving_average_pool(
        table(pool_chunks) partition by (entity, asset) order by chunk_number
    )

Spark hands each entity x asset pool, in order, to one instance (the pools run in parallel,
one pass each: per-pool grouped processing, not one Spark job per event as a recursive CTE
is). An input row is a chunk of EVENTS_PER_CHUNK consecutive events of a pool (`events`: an
array of structs event_sequence, event_kind, quantity, cost_usd, proceeds_usd, sorted) with the
pool's start (start_units_held, start_pool_cost_usd, start_average_cost_per_unit: the kept row
an incremental run restarts from, or nulls: an empty pool); the output row is the chunk's
`results` (event_sequence and the pool after each event), computed by
ingestion/moving_average_pool.py (the same exact arithmetic as the DuckDB recursion). That
module is shipped to Spark's Python workers by value, so a cluster's executors need pyspark but
not this project.
"""

from __future__ import annotations

import sys
from typing import Any

from ingestion import moving_average_pool

MOVING_AVERAGE_POOL = "usd1_moving_average_pool"
# events per input row of pool_sql (macros/moving_average_pool.sql chunks the same way): a
# Spark Python table function pays per row it receives or returns (bench/README.md measured
# ~1 ms a row here), so a row carries a chunk of a pool's events and returns one array
EVENTS_PER_CHUNK = 10_000
MOVING_AVERAGE_POOL_SCHEMA = (
    "entity string, asset string, chunk_number bigint, results array<struct<"
    "event_sequence: bigint, units_held: decimal(38, 18), pool_cost_usd: decimal(38, 6), "
    "average_cost_per_unit: decimal(38, 12), cost_of_units_sold_usd: decimal(38, 6), "
    "realized_gain_loss_usd: decimal(38, 6)>>"
)


class MovingAveragePool:
    """One pool's chunks in order (a Spark Python UDTF: one instance per partition)."""

    def __init__(self) -> None:
        self._pool: moving_average_pool.PoolState | None = None

    def eval(self, row: Any):
        if self._pool is None:
            self._pool = moving_average_pool.PoolState(
                row["start_units_held"] or moving_average_pool.ZERO,
                row["start_pool_cost_usd"] or moving_average_pool.ZERO,
                row["start_average_cost_per_unit"],
            )
        results = []
        for event in row["events"]:  # sorted by event_sequence (sort_array of the structs)
            self._pool, out = moving_average_pool.step(
                self._pool,
                moving_average_pool.PoolEvent(
                    int(event["event_sequence"]),
                    event["event_kind"],
                    event["quantity"],
                    event["cost_usd"],
                    event["proceeds_usd"],
                ),
            )
            results.append(
                (
                    out.event_sequence,
                    out.units_held,
                    out.pool_cost_usd,
                    out.average_cost_per_unit,
                    out.cost_of_units_sold_usd,
                    out.realized_gain_loss_usd,
                )
            )
        yield (row["entity"], row["asset"], row["chunk_number"], results)


def pool_sql(pool_input: str, events_per_chunk: int = EVENTS_PER_CHUNK) -> str:
    """The query macros/moving_average_pool.sql runs, over `pool_input` (entity, asset,
    event_sequence, event_kind, quantity, cost_usd, proceeds_usd and the start_ columns), for
    callers outside dbt (the engine comparison test and the benchmark)."""
    chunk = f"(event_sequence - 1) div {int(events_per_chunk)}"
    return f"""
    with pool_chunks as (
        select
            entity,
            asset,
            {chunk} as chunk_number,
            sort_array(collect_list(struct(
                event_sequence, event_kind, quantity, cost_usd, proceeds_usd
            ))) as events,
            max(start_units_held) as start_units_held,
            max(start_pool_cost_usd) as start_pool_cost_usd,
            max(start_average_cost_per_unit) as start_average_cost_per_unit
        from {pool_input}
        group by entity, asset, {chunk}
    ),
    pooled_chunks as (
        select * from {MOVING_AVERAGE_POOL}(
            table(pool_chunks) partition by (entity, asset) order by chunk_number
        )
    )
    select entity, asset, inline(results) from pooled_chunks
    """


def register_spark_functions(spark: Any) -> None:
    """Register the functions in `spark` (a SparkSession; idempotent: re-registering replaces)."""
    from pyspark import cloudpickle
    from pyspark.sql.functions import udtf

    # the workers get the function and its arithmetic by value: no import of this project on
    # an executor (a module pickled by reference would be imported there)
    cloudpickle.register_pickle_by_value(moving_average_pool)
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    function = udtf(MovingAveragePool, returnType=MOVING_AVERAGE_POOL_SCHEMA, useArrow=True)
    spark.udtf.register(MOVING_AVERAGE_POOL, function)
