"""The demo's marts built on Spark (local mode) equal DuckDB's, row for row, value for value.

The DuckDB side is the session's `shared_demo` (one full demo run). Its raw and audit tables
are exported as Parquet (ingestion/raw_parquet.py), the same dbt project is built once on the
`spark` target (dbt-spark `session`, local[2], in this process), and every mart of the project
(every model under dbt_project/models/marts: a new mart is compared without editing this file)
is read back from Spark's Parquet and compared with DuckDB's: same columns in the same order,
same rows, decimals equal to the last digit (Spark's column is cast to DuckDB's contract type
only when that cannot round: its scale must not exceed DuckDB's).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from ingestion.config import load_config
from ingestion.raw_parquet import export_raw_parquet
from ingestion.spark_target import keep_ansi_mode, spark_environment

pytestmark = pytest.mark.integration

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MARTS = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))


@pytest.fixture(scope="module")
def spark_build(shared_demo, tmp_path_factory):
    """(DuckDB warehouse path, Spark marts folder, per-model dbt status) of one Spark build."""
    from dbt.cli.main import dbtRunner

    config_path, _outcome = shared_demo
    config = load_config(config_path)
    work = tmp_path_factory.mktemp("spark_equality")
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        export_raw_parquet(con, work / "raw", config.reporting_timezone)
    keep_ansi_mode()
    saved = {key: os.environ.get(key) for key in ("USD1INV_SPARK_MASTER", "USD1INV_SPARK_DIR")}
    os.environ.update(spark_environment("local[2]", work / "spark"))
    try:
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
                str(work / "target"),
                "--log-path",
                str(work / "logs"),
                "--vars",
                json.dumps(
                    {
                        "reporting_timezone": config.reporting_timezone,
                        "start_date": config.start_date.isoformat(),
                        "raw_root": str(work / "raw"),
                    }
                ),
                "--quiet",
            ]
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    status = {r.node.name: (str(r.status), r.message) for r in (result.result or [])}
    return config.warehouse_path, work / "spark" / "tables" / "marts.db", status


def test_ansi_mode_stays_on(spark_build):
    """dbt-spark forces ANSI mode off; keep_ansi_mode restores the profile's `true`."""
    from pyspark.sql import SparkSession

    session = SparkSession._instantiatedSession  # the session dbt-spark opened in this process
    assert session is not None
    assert session.conf.get("spark.sql.ansi.enabled") == "true"
    assert session.conf.get("spark.sql.decimalOperations.allowPrecisionLoss") == "false"
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"


def test_every_duckdb_mart_is_compared(spark_build):
    warehouse, _marts_dir, _status = spark_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert tables == set(MARTS)


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {relation}").fetchall()]


def _decimal_scale(data_type: str) -> int | None:
    if not data_type.upper().startswith("DECIMAL("):
        return None
    return int(data_type.rstrip(")").split(",")[1])


@pytest.mark.parametrize("mart", MARTS)
def test_spark_mart_equals_duckdb(spark_build, mart):
    warehouse, marts_dir, status = spark_build
    state, message = status.get(mart, ("not run", ""))
    assert state == "success", f"{mart} did not build on Spark: {state} {message}"
    files = (marts_dir / mart).as_posix() + "/*.parquet"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"create temp view spark_mart as select * from read_parquet('{files}')")
        duck = _columns(con, f"marts.{mart}")
        spark = dict(_columns(con, "spark_mart"))
        assert [name for name, _ in duck] == [name for name, _ in _columns(con, "spark_mart")]
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
        only_duck = con.execute(f"{duck_rows} except all {spark_rows} limit 5").fetchall()
        only_spark = con.execute(f"{spark_rows} except all {duck_rows} limit 5").fetchall()
        assert not only_duck and not only_spark, (
            f"{mart}: rows only in DuckDB {only_duck}; rows only in Spark {only_spark}"
        )
