"""The demo's marts built on Spark (local mode) equal DuckDB's, row for row, value for value:
DuckDB's full build and DuckDB's build after one more day added incrementally.

The data is the session's `shared_demo` (one full demo run), copied twice:

- full: DuckDB builds the copy with --full-refresh;
- day: the copy's last local day of on-chain data (transfers, synced day blocks, balanceOf
  snapshots) is held back, DuckDB builds it whole, the day is loaded again and DuckDB builds
  incrementally (the cut logs: only that day onwards is recomputed).

The raw and audit tables are exported as Parquet (ingestion/raw_parquet.py) and the same dbt
project is built once on the `spark` target (dbt-spark `session`, local[2], in this process).
On Spark every model is rebuilt whole on each run (macros/engine.sql), so that one build is
what both DuckDB builds must equal.

After each stage every mart of the project (every model under dbt_project/models/marts: a new
mart is compared without editing this file) is read back from Spark's Parquet and compared
with DuckDB's: same columns in the same order, same rows, decimals equal to the last digit
(Spark's column is cast to DuckDB's contract type only when that cannot round: its scale must
not exceed DuckDB's).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.config import load_config
from ingestion.raw_parquet import export_raw_parquet
from ingestion.spark_target import prepare_dbt_spark, spark_environment
from tests.dbt_in_process import DBT_PROJECT_DIR, MODELS_ONLY, run_dbt

# the Spark build (JVM, 85 models) takes 4-10 minutes beside other work: more than the default
pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]

MARTS = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))
STAGES = ("full", "day")
# marts the demo leaves empty (nothing to compare there, so say so instead of passing blindly)
EMPTY_IN_DEMO: frozenset[str] = frozenset()

# the on-chain tables of one local day, and the column that dates their rows
HELD_BACK = {
    "onchain_transfers": "cast(timezone('{zone}', block_time) as date)",
    "onchain_day_blocks": "block_date",
    "onchain_balances": "block_date",
}


def _hold_back_last_day(warehouse: Path, zone: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        (last_day,) = con.execute("select max(block_date) from raw.onchain_day_blocks").fetchone()
        con.execute("create schema held")
        for table, day in HELD_BACK.items():
            day = day.format(zone=zone)
            con.execute(
                f"create table held.{table} as select * from raw.{table} where {day} = ?",
                [last_day],
            )
            con.execute(f"delete from raw.{table} where {day} = ?", [last_day])
        (held,) = con.execute("select count(*) from held.onchain_transfers").fetchone()
        assert held > 0, f"no transfers on the demo's last day {last_day}"
    finally:
        con.close()


def _load_held_back_day(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for table in HELD_BACK:
            con.execute(f"insert into raw.{table} select * from held.{table}")
        con.execute("drop schema held cascade")
    finally:
        con.close()


def _spark_run(work: Path, dbt_vars: dict[str, str]) -> dict[str, tuple[str, str]]:
    from dbt.cli.main import dbtRunner

    prepare_dbt_spark()
    result = dbtRunner().invoke(
        [
            "run",
            "--target",
            "spark",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "spark_target"),
            "--log-path",
            str(work / "spark_logs"),
            "--vars",
            json.dumps(dbt_vars),
            "--quiet",
        ]
    )
    return {r.node.name: (str(r.status), r.message) for r in (result.result or [])}


@pytest.fixture(scope="module")
def builds(shared_demo, tmp_path_factory):
    """Per stage: (DuckDB warehouse, folder of the Spark marts, per-model Spark status)."""
    config_path, _outcome = shared_demo
    config = load_config(config_path)
    zone = config.reporting_timezone
    work = tmp_path_factory.mktemp("spark_equality")
    dbt_vars = {"reporting_timezone": zone, "start_date": config.start_date.isoformat()}
    warehouses = {stage: work / f"warehouse_{stage}.duckdb" for stage in STAGES}
    con = duckdb.connect(str(config.warehouse_path))
    try:
        con.execute("checkpoint")  # the copies get everything (nothing left in a WAL)
    finally:
        con.close()
    for warehouse in warehouses.values():
        shutil.copy(config.warehouse_path, warehouse)
    # day: built whole one day short, then the day arrives and is built incrementally
    _hold_back_last_day(warehouses["day"], zone)
    run_dbt(
        warehouses["day"], work / "duckdb_day0", "--full-refresh", *MODELS_ONLY, dbt_vars=dbt_vars
    )
    _load_held_back_day(warehouses["day"])
    run_dbt(warehouses["day"], work / "duckdb_day", *MODELS_ONLY, dbt_vars=dbt_vars)
    # full: the same data built whole
    run_dbt(
        warehouses["full"], work / "duckdb_full", "--full-refresh", *MODELS_ONLY, dbt_vars=dbt_vars
    )
    # Spark builds every model whole on every run (macros/engine.sql): one build of the same
    # data is what both DuckDB builds must equal
    con = duckdb.connect(str(warehouses["full"]))  # dbt-duckdb's configuration: not read-only
    try:
        export_raw_parquet(con, work / "raw", zone)
    finally:
        con.close()
    saved = {key: os.environ.get(key) for key in ("USD1INV_SPARK_MASTER", "USD1INV_SPARK_DIR")}
    os.environ.update(spark_environment("local[2]", work / "spark"))
    try:
        status = _spark_run(work, {**dbt_vars, "raw_root": str(work / "raw")})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    marts = work / "spark" / "tables" / "marts.db"
    return {stage: (warehouses[stage], marts, status) for stage in STAGES}


def test_ansi_mode_stays_on(builds):
    """dbt-spark forces ANSI mode off; keep_ansi_mode restores the profile's `true`."""
    from pyspark.sql import SparkSession

    session = SparkSession._instantiatedSession  # the session dbt-spark opened in this process
    assert session is not None
    assert session.conf.get("spark.sql.ansi.enabled") == "true"
    assert session.conf.get("spark.sql.decimalOperations.allowPrecisionLoss") == "false"
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"


def test_every_duckdb_mart_is_compared(builds):
    warehouse, _marts, _status = builds["day"]
    con = duckdb.connect(str(warehouse))
    try:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    assert tables == set(MARTS)


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {relation}").fetchall()]


def _decimal_scale(data_type: str) -> int | None:
    if not data_type.upper().startswith("DECIMAL("):
        return None
    return int(data_type.rstrip(")").split(",")[1])


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("mart", MARTS)
def test_spark_mart_equals_duckdb(builds, stage, mart):
    warehouse, marts_dir, status = builds[stage]
    state, message = status.get(mart, ("not run", ""))
    assert state == "success", f"{mart} did not build on Spark: {state} {message}"
    files = (marts_dir / mart).as_posix() + "/*.parquet"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"create temp view spark_mart as select * from read_parquet('{files}')")
        duck = _columns(con, f"marts.{mart}")
        spark_columns = _columns(con, "spark_mart")
        assert [name for name, _ in duck] == [name for name, _ in spark_columns]
        spark = dict(spark_columns)
        casts = []
        for name, data_type in duck:
            duck_scale, spark_scale = _decimal_scale(data_type), _decimal_scale(spark[name])
            if duck_scale is not None and spark_scale is not None:
                assert spark_scale <= duck_scale, (
                    f"{mart}.{name}: Spark {spark[name]} has more decimals than {data_type}"
                )
            casts.append(f'cast("{name}" as {data_type}) as "{name}"')
        spark_rows = f"select {', '.join(casts)} from spark_mart"
        duck_rows = f"select * from marts.{mart}"
        counts = con.execute(
            f"select (select count(*) from ({duck_rows})), (select count(*) from spark_mart)"
        ).fetchone()
        assert counts[0] == counts[1], f"{mart}: DuckDB {counts[0]} rows, Spark {counts[1]}"
        assert counts[0] > 0 or mart in EMPTY_IN_DEMO, f"{mart} is empty: nothing compared"
        only_duck = con.execute(f"{duck_rows} except all {spark_rows} limit 5").fetchall()
        only_spark = con.execute(f"{spark_rows} except all {duck_rows} limit 5").fetchall()
    finally:
        con.close()
    assert not only_duck and not only_spark, (
        f"{mart}: rows only in DuckDB {only_duck}; rows only in Spark {only_spark}"
    )
