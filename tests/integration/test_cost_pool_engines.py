"""The moving-average cost pool on both engines equals, event for event, on generated pools.

DuckDB runs int_valuation__cost_pool's recursive CTE (the model compiled by dbt, run on a real
DuckDB file); Spark runs the per-pool table function usd1_moving_average_pool
(ingestion/spark_functions.py, registered in a real local Spark session, called with the same
query as macros/moving_average_pool.sql: ingestion/spark_functions.pool_sql). The pools are
generated to hit every branch: disposals before any acquisition, pools emptied and emptied below
zero, sold cost capped at the pool's cost, half-even ties at 6 and at 12 decimals (where a
half-up rounding differs), acquisitions without cost, conversions without proceeds, quantities of
30 significant digits (beyond Python's default 28-digit context) and many events per pool.
test_spark_equality.py compares the whole project's marts on the demo.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest

from ingestion.moving_average_pool import COMPUTED_COLUMNS as COMPUTED
from ingestion.moving_average_pool import PoolEvent, pool_rows
from ingestion.spark_functions import EVENTS_PER_CHUNK, pool_sql, register_spark_functions
from tests.dbt_in_process import run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


# hand-made pools: (kind, quantity, cost_usd, proceeds_usd)
TIES = [
    ("acquisition", "2", "1", None),  # average 0.5
    ("disposal", "0.000001", None, None),  # 0.0000005 -> 0.000000 (half-up: 0.000001)
    ("disposal", "0.000003", None, None),  # 0.0000015 -> 0.000002
    ("conversion", "0.000005", None, "0.000003"),  # 0.0000025 -> 0.000002
    ("acquisition", "1999997.999991", "0.000003", None),  # average ties at the 13th decimal
]
EMPTIED = [
    ("disposal", "5", None, None),  # nothing acquired yet: no average, no cost
    ("acquisition", "3", "0.000002", None),  # average 0.000000666667
    ("disposal", "1", None, None),
    ("conversion", "7", None, "6.5"),  # below zero: the whole pool leaves
    ("disposal", "1", None, None),  # from an empty pool
    ("acquisition", "10", None, None),  # no cost: average 0
    ("acquisition", "0", "5", None),  # no units: average of 10 units
    ("conversion", "4", None, None),  # no proceeds: no realized figure
]
CAPPED = [
    ("acquisition", "3", "2", None),  # average 0.666666666667
    ("disposal", "1", None, None),  # 0.666667
    ("disposal", "1", None, None),  # 0.666667: 0.666666 left
    ("disposal", "0.999999999999999999", None, None),  # 0.666667, capped at the pool's 0.666666
]


def _generated(rng: random.Random, events: int) -> list[tuple[str, str, str | None, str | None]]:
    out = []
    for _ in range(events):
        kind = rng.choice(["acquisition", "acquisition", "disposal", "conversion"])
        digits = rng.choice([0, 2, 6, 18])
        whole = rng.choice([rng.randint(0, 50), rng.randint(0, 10**12)])
        quantity = f"{whole}.{rng.randint(0, 10**digits - 1):0{digits}d}" if digits else str(whole)
        cost = proceeds = None
        if kind == "acquisition" and rng.random() > 0.1:
            cost = f"{rng.randint(0, 10**7)}.{rng.randint(0, 999999):06d}"
        if kind == "conversion" and rng.random() > 0.1:
            proceeds = f"{rng.randint(0, 10**7)}.{rng.randint(0, 999999):06d}"
        out.append((kind, quantity, cost, proceeds))
    return out


def _pools() -> dict[tuple[str, str], list[tuple[str, str, str | None, str | None]]]:
    rng = random.Random(20261206)
    pools = {("e", "TIES"): TIES, ("e", "EMPTIED"): EMPTIED, ("e", "CAPPED"): CAPPED}
    for number in range(12):
        pools[(f"entity_{number % 3}", f"USD{number}")] = _generated(rng, rng.randint(1, 400))
    return pools


@pytest.fixture(scope="module")
def events() -> list[dict]:
    """The cost events (int_valuation__cost_events' columns), one instant per event."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for (entity, asset), pool in _pools().items():
        for number, (kind, quantity, cost, proceeds) in enumerate(pool):
            event_at = start + timedelta(minutes=number)
            rows.append(
                {
                    "entity": entity,
                    "asset": asset,
                    "event_at": event_at,
                    "event_date": event_at.date(),
                    "event_kind": kind,
                    "quantity": Decimal(quantity),
                    "cost_usd": None if cost is None else Decimal(cost),
                    "proceeds_usd": None if proceeds is None else Decimal(proceeds),
                    "event_source": "wallet",
                    "event_ref": f"{asset}-{number:04d}",
                    "event_sequence": number + 1,
                }
            )
    return rows


@pytest.fixture(scope="module")
def duckdb_rows(events, tmp_path_factory) -> dict[tuple, tuple]:
    """The model's DuckDB SQL, compiled by dbt, run over the events in a DuckDB file."""
    work = tmp_path_factory.mktemp("cost_pool_duckdb")
    warehouse = work / "warehouse.duckdb"
    run_dbt(
        warehouse,
        work,
        "--select",
        "int_valuation__cost_pool",
        command="compile",
        dbt_vars={"reporting_timezone": "UTC", "start_date": "2026-01-01"},
    )
    (compiled,) = (work / "target" / "compiled").rglob("int_valuation__cost_pool.sql")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_valuation__cost_events ("
            "entity varchar, asset varchar, event_at timestamptz, event_date date, "
            "event_kind varchar, quantity decimal(38, 18), cost_usd decimal(38, 6), "
            "proceeds_usd decimal(38, 6), event_source varchar, event_ref varchar)"
        )
        con.executemany(
            "insert into intermediate.int_valuation__cost_events "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[row[key] for key in list(row)[:10]] for row in events],
        )
        result = con.execute(compiled.read_text())
        names = [column[0] for column in result.description]
        out = {}
        for values in result.fetchall():
            row = dict(zip(names, values, strict=True))
            out[(row["entity"], row["asset"], row["event_ref"])] = row
        return out
    finally:
        con.close()


def _by_pool(events: list[dict]) -> dict[tuple[str, str], list[dict]]:
    pools: dict[tuple[str, str], list[dict]] = {}
    for row in events:
        pools.setdefault((row["entity"], row["asset"]), []).append(row)
    return pools


def test_generated_pools_reach_every_branch(duckdb_rows):
    rows = list(duckdb_rows.values())
    assert len(rows) > 1000
    sold = [row for row in rows if row["cost_of_units_sold_usd"] is not None]
    assert any(row["units_held"] == 0 and row["cost_of_units_sold_usd"] > 0 for row in sold)
    assert any(row["average_cost_per_unit"] is None for row in rows)
    assert any(row["realized_gain_loss_usd"] is not None for row in rows)
    ties = {row["event_ref"]: row for row in rows if row["asset"] == "TIES"}
    # half-even where a half-up cast would differ (the test would catch a rounding mode change)
    assert ties["TIES-0001"]["cost_of_units_sold_usd"] == Decimal("0.000000")
    assert ties["TIES-0003"]["cost_of_units_sold_usd"] == Decimal("0.000002")
    capped = {row["event_ref"]: row for row in rows if row["asset"] == "CAPPED"}
    assert capped["CAPPED-0003"]["cost_of_units_sold_usd"] == Decimal("0.666666")


def test_python_pool_equals_duckdb_recursion(events, duckdb_rows):
    """ingestion/moving_average_pool.py, which the Spark function runs, on each pool."""
    for (entity, asset), pool in _by_pool(events).items():
        computed = pool_rows(
            PoolEvent(
                row["event_sequence"],
                row["event_kind"],
                row["quantity"],
                row["cost_usd"],
                row["proceeds_usd"],
            )
            for row in pool
        )
        for row, python_row in zip(pool, computed, strict=True):
            expected = duckdb_rows[(entity, asset, row["event_ref"])]
            assert expected["event_sequence"] == python_row.event_sequence
            for column in COMPUTED:
                assert getattr(python_row, column) == expected[column], (
                    entity,
                    asset,
                    row["event_ref"],
                    column,
                )


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("usd1inv-cost-pool-test")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_table_function_equals_duckdb_recursion(spark, events, duckdb_rows, tmp_path):
    """The function as the model calls it, in a real Spark session, pools spread over tasks."""
    register_spark_functions(spark)
    columns = (
        "entity string, asset string, event_sequence bigint, event_kind string, "
        "quantity decimal(38, 18), cost_usd decimal(38, 6), proceeds_usd decimal(38, 6), "
        "event_ref string"
    )
    names = [
        "entity",
        "asset",
        "event_sequence",
        "event_kind",
        "quantity",
        "cost_usd",
        "proceeds_usd",
        "event_ref",
    ]
    frame = spark.createDataFrame([tuple(row[name] for name in names) for row in events], columns)
    frame.repartition(4).createOrReplaceTempView("sequenced")
    spark.sql(
        """
        select
            *,
            cast(null as decimal(38, 18)) as start_units_held,
            cast(null as decimal(38, 6)) as start_pool_cost_usd,
            cast(null as decimal(38, 12)) as start_average_cost_per_unit
        from sequenced
        """
    ).createOrReplaceTempView("pool_input")
    refs = {
        (row["entity"], row["asset"], row["event_sequence"]): row["event_ref"] for row in events
    }
    # the model's chunk size (every generated pool in one chunk), and 7 events a chunk: the
    # pool carried from chunk to chunk in order
    for events_per_chunk in (EVENTS_PER_CHUNK, 7):
        result = spark.sql(pool_sql("pool_input", events_per_chunk)).collect()
        assert len(result) == len(duckdb_rows)
        for row in result:
            key = (
                row["entity"],
                row["asset"],
                refs[(row["entity"], row["asset"], row["event_sequence"])],
            )
            expected = duckdb_rows[key]
            for column in COMPUTED:
                assert row[column] == expected[column], (events_per_chunk, key, column)


def test_spark_pool_restarts_from_a_kept_row(spark, events, duckdb_rows):
    """An incremental run's restart: the pool's start from the kept row before the cut gives
    the same rows as the pass from the first event."""
    register_spark_functions(spark)
    pool = _by_pool(events)[("entity_0", "USD0")]
    cut = len(pool) // 2
    kept = duckdb_rows[("entity_0", "USD0", pool[cut - 1]["event_ref"])]
    columns = (
        "entity string, asset string, event_sequence bigint, event_kind string, "
        "quantity decimal(38, 18), cost_usd decimal(38, 6), proceeds_usd decimal(38, 6), "
        "start_units_held decimal(38, 18), start_pool_cost_usd decimal(38, 6), "
        "start_average_cost_per_unit decimal(38, 12)"
    )
    rows = [
        (
            row["entity"],
            row["asset"],
            row["event_sequence"],
            row["event_kind"],
            row["quantity"],
            row["cost_usd"],
            row["proceeds_usd"],
            kept["units_held"],
            kept["pool_cost_usd"],
            kept["average_cost_per_unit"],
        )
        for row in pool[cut:]
    ]
    spark.createDataFrame(rows, columns).createOrReplaceTempView("restart_input")
    result = spark.sql(pool_sql("restart_input", 5)).collect()
    expected_sequences = [row["event_sequence"] for row in pool[cut:]]
    assert [row["event_sequence"] for row in result] == expected_sequences
    for row, event in zip(result, pool[cut:], strict=True):
        expected = duckdb_rows[("entity_0", "USD0", event["event_ref"])]
        for column in COMPUTED:
            assert row[column] == expected[column], (event["event_ref"], column)
