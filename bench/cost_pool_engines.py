"""Benchmark: the moving-average cost pool, DuckDB's recursive CTE against Spark's per-pool pass.

    python -m bench.cost_pool_engines --pools 4 --events-per-pool 250000

One generated set of cost events (int_valuation__cost_events' columns: acquisitions, disposals
and conversions with 0-18 decimals, deterministic) is measured three ways in the same run:

1. DuckDB: int_valuation__cost_pool as dbt compiles it for DuckDB (its recursive CTE), run on
   the events in a DuckDB file: the baseline.
2. Spark `--master` (default local[2]): the per-pool table function usd1_moving_average_pool
   over chunks of each pool's events, the query macros/moving_average_pool.sql runs
   (ingestion/spark_functions.pool_sql), over the events read from Parquet, written to
   Parquet; the JVM's start is timed apart.
3. The same arithmetic in one Python process (ingestion/moving_average_pool.py, no Spark): what
   one core of a Spark Python worker can do at best.

Spark's rows are then compared with DuckDB's, every column of every event (an anti-join both
ways in DuckDB over Spark's Parquet): the figures are of equal results. Prints one JSON object
and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingestion.moving_average_pool import COMPUTED_COLUMNS as COMPUTED  # noqa: E402
from ingestion.moving_average_pool import PoolEvent, pool_rows  # noqa: E402
from ingestion.spark_functions import pool_sql, register_spark_functions  # noqa: E402


def generate_events(con: duckdb.DuckDBPyConnection, pools: int, per_pool: int, seed: int) -> int:
    """intermediate.int_valuation__cost_events: `per_pool` events in each of `pools` pools."""
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create or replace table intermediate.int_valuation__cost_events ("
        "entity varchar, asset varchar, event_at timestamptz, event_date date, "
        "event_kind varchar, quantity decimal(38, 18), cost_usd decimal(38, 6), "
        "proceeds_usd decimal(38, 6), event_source varchar, event_ref varchar)"
    )
    # the kind and the figures from SQL hashes of the event number: deterministic, fast
    con.execute(
        f"""
        insert into intermediate.int_valuation__cost_events
        with numbered as (
            select pool, n, hash(pool * 1000003 + n + {seed}) as h
            from range({pools}) as p(pool), range({per_pool}) as e(n)
        )
        select
            'entity_' || (pool % 3) as entity,
            'USD' || pool as asset,
            timestamptz '2025-01-01 00:00:00+00' + to_seconds(n * 60) as event_at,
            cast(timestamptz '2025-01-01 00:00:00+00' + to_seconds(n * 60) as date)
                as event_date,
            case when h % 5 < 3 then 'acquisition'
                when h % 5 = 3 then 'disposal' else 'conversion' end as event_kind,
            cast((h // 7) % 100000 as decimal(38, 18))
                + cast((h // 11) % 1000000000000000000 as decimal(38, 0))
                * cast('0.000000000000000001' as decimal(38, 18)) as quantity,
            case when h % 5 < 3
                then cast((h // 13) % 100000000000 as decimal(38, 0))
                    * cast('0.000001' as decimal(38, 6)) end
                as cost_usd,
            case when h % 5 = 4
                then cast((h // 17) % 100000000000 as decimal(38, 0))
                    * cast('0.000001' as decimal(38, 6)) end
                as proceeds_usd,
            'wallet' as event_source,
            'ev-' || lpad(cast(n as varchar), 9, '0') as event_ref
        from numbered
        """
    )
    (count,) = con.execute(
        "select count(*) from intermediate.int_valuation__cost_events"
    ).fetchone()
    return count


def compiled_duckdb_sql(work: Path, warehouse: Path) -> str:
    """The model as dbt compiles it for DuckDB (a full build: no kept rows)."""
    from dbt.cli.main import dbtRunner

    os.environ["USD1INV_WAREHOUSE"] = str(warehouse)  # read by dbt_project/profiles.yml
    project = str(REPO / "dbt_project")
    result = dbtRunner().invoke(
        [
            "compile",
            "--select",
            "int_valuation__cost_pool",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps({"reporting_timezone": "UTC", "start_date": "2025-01-01"}),
            "--quiet",
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt compile failed: {result.exception}")
    (compiled,) = (work / "target" / "compiled").rglob("int_valuation__cost_pool.sql")
    return compiled.read_text()


def python_pass(con: duckdb.DuckDBPyConnection) -> tuple[float, int]:
    rows = con.execute(
        "select entity, asset, event_kind, quantity, cost_usd, proceeds_usd "
        "from intermediate.int_valuation__cost_events order by entity, asset, event_at, "
        "case when event_kind = 'acquisition' then 0 else 1 end, event_ref"
    ).fetchall()
    started = time.perf_counter()
    pools: dict[tuple[str, str], list[PoolEvent]] = {}
    for entity, asset, kind, quantity, cost, proceeds in rows:
        events = pools.setdefault((entity, asset), [])
        events.append(PoolEvent(len(events) + 1, kind, quantity, cost, proceeds))
    produced = sum(sum(1 for _ in pool_rows(events)) for events in pools.values())
    return time.perf_counter() - started, produced


def spark_pass(work: Path, events_parquet: Path, master: str) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    started = time.perf_counter()
    spark = (
        SparkSession.builder.master(master)
        .appName("usd1inv-bench-cost-pool")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "4g")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    register_spark_functions(spark)
    session_s = time.perf_counter() - started
    try:
        spark.read.parquet(str(events_parquet)).createOrReplaceTempView("cost_events")
        out = work / "spark_pool.parquet"
        started = time.perf_counter()
        spark.sql(
            """
            select
                entity, asset, event_kind, quantity, cost_usd, proceeds_usd,
                row_number() over (
                    partition by entity, asset
                    order by
                        event_at,
                        case when event_kind = 'acquisition' then 0 else 1 end,
                        event_ref
                ) as event_sequence,
                cast(null as decimal(38, 18)) as start_units_held,
                cast(null as decimal(38, 6)) as start_pool_cost_usd,
                cast(null as decimal(38, 12)) as start_average_cost_per_unit
            from cost_events
            """
        ).createOrReplaceTempView("pool_input")
        spark.sql(pool_sql("pool_input")).write.mode("overwrite").parquet(str(out))
        return {"session_s": session_s, "pool_s": time.perf_counter() - started, "out": out}
    finally:
        spark.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pools", type=int, default=4)
    parser.add_argument("--events-per-pool", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="usd1inv-bench-pool-") as tmp:
        work = Path(tmp)
        warehouse = work / "warehouse.duckdb"
        sql = compiled_duckdb_sql(work, warehouse)
        con = duckdb.connect(str(warehouse))
        try:
            events = generate_events(con, args.pools, args.events_per_pool, args.seed)
            events_parquet = work / "events.parquet"
            con.execute(
                f"copy intermediate.int_valuation__cost_events to '{events_parquet}' "
                "(format parquet)"
            )
            started = time.perf_counter()
            con.execute(f"create table duckdb_pool as {sql}")
            duckdb_s = time.perf_counter() - started
            python_s, python_rows = python_pass(con)
            spark = spark_pass(work, events_parquet, args.master)
            columns = ", ".join(("entity", "asset", "event_sequence", *COMPUTED))
            differing = con.execute(
                f"""
                select count(*) from (
                    (select {columns} from duckdb_pool
                     except all
                     select {columns} from read_parquet('{spark["out"]}/*.parquet'))
                    union all
                    (select {columns} from read_parquet('{spark["out"]}/*.parquet')
                     except all
                     select {columns} from duckdb_pool)
                )
                """
            ).fetchone()[0]
            (spark_rows,) = con.execute(
                f"select count(*) from read_parquet('{spark['out']}/*.parquet')"
            ).fetchone()
        finally:
            con.close()

    result = {
        "pools": args.pools,
        "events": events,
        "master": args.master,
        "load_average": os.getloadavg(),
        "duckdb_recursive_s": round(duckdb_s, 2),
        "spark_session_start_s": round(spark["session_s"], 2),
        "spark_per_pool_s": round(spark["pool_s"], 2),
        "python_one_core_s": round(python_s, 2),
        "events_per_s": {
            "duckdb_recursive": round(events / duckdb_s),
            "spark_per_pool": round(events / spark["pool_s"]),
            "python_one_core": round(events / python_s),
        },
        "spark_vs_duckdb_ratio": round(spark["pool_s"] / duckdb_s, 3),
        "rows": {"spark": spark_rows, "python": python_rows},
        "rows_differing_from_duckdb": differing,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0 if differing == 0 and spark_rows == events else 1


if __name__ == "__main__":
    raise SystemExit(main())
