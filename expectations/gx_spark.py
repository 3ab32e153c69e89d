"""Great Expectations 1.x on the Spark marts: GX's Spark datasource over the marts' Parquet.

With `warehouse.engine: spark` the marts are built by Spark as Parquet folders
(`<data_dir>/spark/tables/marts.db/<mart>/`, `Config.spark_marts_dir`). The mart suites
validate them there, in Spark, through GX's Spark datasource (a dataframe asset whose batch is
the mart read with `spark.read.parquet`), so a mart of billions of rows is never copied into
DuckDB to be checked. Unexpected-rows queries run as Spark SQL over the batch (GX registers it
as a temporary view); a suite whose rows are a query (`SuiteSpec.query`) gets the marts that
query names as temporary views too (`marts.<mart>` is read as `marts__<mart>`).

The session is the one of the Dagster process (`spark_session`): the same master as the
build, and the settings of dbt_project/profiles.yml that keep money exact: ANSI mode on (an
overflow fails instead of becoming NULL), no precision loss in decimal operations, session
time zone UTC. When dbt-spark's session already runs in the process, that one is reused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

    from expectations.runner import SuiteSpec

# what dbt_project/profiles.yml sets for the build; a check reads with the same semantics
SQL_SETTINGS = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "UTC",
}
# settings of a new session only (a running one keeps its own)
START_SETTINGS = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
MARTS_SCHEMA = "marts"


def spark_session(
    master: str, app_name: str = "usd1-inventory-checks", start_settings: dict | None = None
) -> SparkSession:
    """The process's Spark session on `master` with the settings that keep money exact
    (`start_settings`: more settings for a new session, e.g. JVM options)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in {**START_SETTINGS, **(start_settings or {}), **SQL_SETTINGS}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in SQL_SETTINGS.items():  # a reused session (dbt-spark's) gets them too
        spark.conf.set(key, value)
    return spark


def mart_folder(marts_dir: Path, table: str) -> Path:
    return Path(marts_dir) / table


PARTITION_INFERENCE = "spark.sql.sources.partitionColumnTypeInference.enabled"
# DuckDB contract types that Spark spells otherwise (the rest: date, bigint, decimal(p, s)...)
SPARK_TYPES = {"varchar": "string", "text": "string", "timestamp with time zone": "timestamp"}


def read_mart(spark: SparkSession, marts_dir: Path, table: str) -> DataFrame:
    """A Spark mart's Parquet folder as a DataFrame with its contract's types. The incremental
    marts are partitioned (macros/engine.sql): their partition columns live in folder names,
    which Spark would type by guessing (a period '2026-10' becomes the date 2026-10-01); they
    are read as text and cast to the contract's type, as the mirror does
    (reporting/spark_marts.py)."""
    from pyspark.sql.functions import col

    from reporting.spark_marts import mart_contracts, partition_columns

    folder = mart_folder(marts_dir, table)
    partitioned = partition_columns(folder) if folder.is_dir() else []
    if not partitioned:
        return spark.read.parquet(str(folder))
    inference = spark.conf.get(PARTITION_INFERENCE)
    spark.conf.set(PARTITION_INFERENCE, "false")
    try:
        frame = spark.read.parquet(str(folder))
    finally:
        spark.conf.set(PARTITION_INFERENCE, inference)
    contract = mart_contracts().get(table, [])
    types = dict(contract)
    for name in partitioned:
        if name in types:
            data_type = types[name].lower()
            frame = frame.withColumn(name, col(name).cast(SPARK_TYPES.get(data_type, data_type)))
    # a partitioned Spark table lists its partition columns last: the contract's order back
    ordered = [name for name, _ in contract if name in frame.columns]
    return frame.select(*ordered, *[name for name in frame.columns if name not in ordered])


def _mart_names(spec: SuiteSpec) -> list[str]:
    """The marts a suite reads: its table and the `marts.*` tables its queries name."""
    names = [spec.table]
    for target in spec.also_reads:
        schema, _, table = target.partition(".")
        if schema == MARTS_SCHEMA and table not in names:
            names.append(table)
    return names


def spark_missing_inputs(spark: SparkSession, marts_dir: Path, spec: SuiteSpec) -> str | None:
    """None when every mart the suite reads is a Parquet folder with the suite's columns."""
    columns: dict[str, set[str]] = {}
    for table in _mart_names(spec):
        folder = mart_folder(marts_dir, table)
        if not folder.is_dir():
            return f"Spark mart {MARTS_SCHEMA}.{table} does not exist yet ({folder})"
        try:
            columns[table] = set(read_mart(spark, marts_dir, table).columns)
        except Exception as error:  # an empty folder: Spark cannot infer a schema
            return f"Spark mart {MARTS_SCHEMA}.{table} cannot be read yet ({folder}): {error}"
    absent = [c for c in spec.columns if c not in columns[spec.table]]
    if absent:
        return f"{spec.target} has no column {', '.join(absent)} yet"
    return None


def view_name(table: str) -> str:
    """The temporary view a query reads for `marts.<table>` (views take no schema)."""
    return f"{MARTS_SCHEMA}__{table}"


def spark_query(query: str, tables: list[str]) -> str:
    """`query` with each `marts.<table>` of `tables` read from its temporary view."""
    for table in tables:
        query = re.sub(rf"\b{MARTS_SCHEMA}\.{re.escape(table)}\b", view_name(table), query)
    return query


def suite_dataframe(spark: SparkSession, marts_dir: Path, spec: SuiteSpec) -> DataFrame:
    """The rows the suite validates: the mart's Parquet, or the spec's query over the marts."""
    tables = _mart_names(spec)
    frames = {t: read_mart(spark, marts_dir, t) for t in tables}
    if spec.query is None:
        return frames[spec.table]
    for table, frame in frames.items():
        frame.createOrReplaceTempView(view_name(table))
    return spark.sql(spark_query(spec.query, tables))


@contextmanager
def gx_spark_datasource(name: str = "spark_marts", project_config=None) -> Iterator:
    """An ephemeral GX context with a Spark datasource (the active session's dataframes).

    `project_config` places the stores and the Data Docs site as for DuckDB
    (expectations/data_docs.py); without it everything stays in memory.
    """
    if project_config is None:
        project_config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
        )
    context = gx.get_context(mode="ephemeral", project_config=project_config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    # persist=False: a mart of billions of rows is not cached in the executors' memory
    datasource = context.data_sources.add_spark(name=name, persist=False)
    yield context, datasource
