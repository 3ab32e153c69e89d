"""What the dbt `spark` target needs from the product, without Dagster.

- `keep_ansi_mode()`: dbt-spark 1.11 forces `spark.sql.ansi.enabled=false` into every session it
  opens (and re-applies it before each statement). Off, Spark turns an overflowing DECIMAL into
  NULL instead of failing; the profile asks for `true`, and this restores what the profile says.
- `register_session_functions()`: dbt-spark's `session` method opens (or reuses) the process's
  SparkSession for each statement; the Python table functions the models call
  (ingestion/spark_functions.py) are registered in that session before its first statement,
  and Spark's Python workers run this interpreter (PYSPARK_PYTHON, unless set).
- `prepare_dbt_spark()`: both. Call it once in a process before dbt runs on Spark (the
  orchestration and the tests do); `python -m ingestion.spark_target <dbt args>` is the dbt
  command line with it applied.
- `spark_environment(config)`: the environment variables dbt_project/profiles.yml reads.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ingestion.spark_functions import register_spark_functions

ANSI_KEY = "spark.sql.ansi.enabled"


def keep_ansi_mode() -> None:
    """Make dbt-spark keep the profile's spark.sql.ansi.enabled (idempotent)."""
    from dbt.adapters.spark.connections import SparkCredentials

    if getattr(SparkCredentials, "_usd1inv_keeps_ansi", False):
        return
    original = SparkCredentials.__post_init__

    def post_init_keeping_ansi(self) -> None:
        wanted = dict(self.server_side_parameters or {}).get(ANSI_KEY)
        original(self)
        if wanted is not None:
            self.server_side_parameters[ANSI_KEY] = str(wanted).lower()

    SparkCredentials.__post_init__ = post_init_keeping_ansi
    SparkCredentials._usd1inv_keeps_ansi = True


def register_session_functions() -> None:
    """Register ingestion/spark_functions.py in each session dbt-spark uses (idempotent)."""
    from dbt.adapters.spark import session as dbt_spark_session

    cursor = dbt_spark_session.Cursor
    if getattr(cursor, "_usd1inv_registers_functions", False):
        return
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    original = cursor.execute
    registered: set[int] = set()

    def execute_with_functions(self, sql: str, *parameters) -> None:
        builder = dbt_spark_session.SparkSession.builder.enableHiveSupport()
        for parameter, value in self.server_side_parameters.items():
            builder = builder.config(parameter, value)
        spark = builder.getOrCreate()  # the session the original execute gets
        if id(spark) not in registered:
            register_spark_functions(spark)
            registered.add(id(spark))
        original(self, sql, *parameters)

    cursor.execute = execute_with_functions
    cursor._usd1inv_registers_functions = True


def prepare_dbt_spark() -> None:
    """What a dbt run on the spark target needs in this process (idempotent)."""
    keep_ansi_mode()
    register_session_functions()


def spark_environment(master: str, spark_dir: Path) -> dict[str, str]:
    """USD1INV_SPARK_MASTER and USD1INV_SPARK_DIR for profiles.yml's spark target."""
    return {"USD1INV_SPARK_MASTER": master, "USD1INV_SPARK_DIR": str(spark_dir)}


def main(argv: list[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    prepare_dbt_spark()
    result = dbtRunner().invoke(list(sys.argv[1:] if argv is None else argv))
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
