"""Which engine a suite runs on, chosen by `warehouse.engine` of the configuration.

- `duckdb` (default): every suite on the warehouse file, as always.
- `spark`: the suites of the marts run where Spark built them (GX's Spark datasource over the
  marts' Parquet, expectations/gx_spark.py): a mart of billions of rows is checked by the
  cluster, not copied into DuckDB first. The suites of the raw tables stay on DuckDB: ingestion
  loads the raw tables into the warehouse file under both engines, so that is where they live.
  A mart suite marked `duckdb_only` (with its reason) stays on DuckDB too: today only
  `source_freshness`, whose query reads the raw tables and `audit.files` beside the mart.

The outcome (`SuiteOutcome`) has the same shape from both engines; its `engine` says which ran.
"""

from __future__ import annotations

from pathlib import Path

from expectations.runner import SuiteOutcome, SuiteSpec, run_suite, run_suite_on_spark
from ingestion.config import Config

DUCKDB = "duckdb"
SPARK = "spark"


def suite_engine(spec: SuiteSpec, engine: str) -> str:
    """`spark` for a mart suite when Spark builds the marts, unless it is DuckDB-only or its
    queries read a table outside the marts (Spark has only the marts)."""
    reads_only_marts = all(t.startswith("marts.") for t in (spec.target, *spec.also_reads))
    if engine == SPARK and reads_only_marts and spec.duckdb_only is None:
        return SPARK
    return DUCKDB


def run_suite_for(
    config: Config,
    warehouse: str | Path,
    spec: SuiteSpec,
    *,
    run_name: str = "adhoc",
    docs_dir: Path | None = None,
) -> SuiteOutcome:
    """Run the suite on the engine the configuration builds its table with."""
    if suite_engine(spec, config.warehouse.engine) == SPARK:
        from expectations.gx_spark import spark_session

        spark = spark_session(config.warehouse.spark_master)
        return run_suite_on_spark(
            spark, config.spark_marts_dir, spec, run_name=run_name, docs_dir=docs_dir
        )
    return run_suite(warehouse, spec, run_name=run_name, docs_dir=docs_dir)
