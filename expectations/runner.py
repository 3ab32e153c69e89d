"""Run an expectation suite against the DuckDB warehouse or the Spark marts; summarise the outcome.

A suite validates one table (or, for suites that compare sources, the rows of one query) through
a GX checkpoint. The summary is plain data (no GX objects), so Dagster asset checks, the CLI and
tests can use it without knowing Great Expectations. Each failed expectation carries the rows
that broke it (JSON-safe: keys and values), which `expectations.failures` writes to the audit.

The same suite (the same expectations, built once by its `SuiteSpec`) runs on either engine:
`run_suite` on the DuckDB file, `run_suite_on_spark` on the Parquet marts Spark built, through
GX's Spark datasource (expectations/gx_spark.py); `expectations.engines` chooses by the
configuration. The outcome has the same shape from both.

A suite whose table or columns do not exist yet is *skipped* with the reason (see
`expectations.availability`), never run, never counted as passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier

from expectations.availability import missing_inputs
from expectations.gx_duckdb import gx_duckdb_datasource
from expectations.jsonsafe import json_safe

MAX_ROWS_PER_EXPECTATION = 1000  # offending rows kept per failed expectation


@dataclass(frozen=True)
class SuiteSpec:
    """A suite as code: what it validates, the expectations it builds and its severity."""

    name: str
    schema: str
    table: str
    build: Callable[[], Sequence[gx.expectations.Expectation]]
    blocking: bool = True  # integrity suites block downstream assets; break suites warn
    key: tuple[str, ...] = ()  # columns that name an offending row in the audit
    columns: tuple[str, ...] = ()  # columns of `schema.table` the suite needs
    query: str | None = None  # validate the rows of this query instead of the whole table
    also_reads: tuple[str, ...] = ()  # other tables ("schema.table") the queries read
    # why the suite runs on DuckDB even when Spark builds the marts (None: it runs on both)
    duckdb_only: str | None = None

    @property
    def target(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass
class ExpectationOutcome:
    expectation: str
    description: str
    success: bool
    unexpected_count: int | None = None
    sample: list[Any] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # offending rows, JSON-safe


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    outcomes: list[ExpectationOutcome]
    skipped: str | None = None  # why the suite did not run (its table or columns are missing)
    engine: str = "duckdb"  # where it ran: duckdb (the warehouse file) | spark (the Spark marts)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
        if self.skipped:
            return f"{self.suite} on {self.table}: skipped ({self.skipped})"
        passed = sum(o.success for o in self.outcomes)
        text = f"{self.suite} on {self.table}: {passed}/{len(self.outcomes)} expectations passed"
        for o in self.failed:
            text += f"\n  FAILED {o.description} (unexpected: {o.unexpected_count})"
        return text


def unexpected_rows(description: str, query: str) -> gx.expectations.UnexpectedRowsExpectation:
    """An expectation that `query` (over `{batch}`) returns no rows; described in plain words."""
    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query, description=description, meta={"description": description}
    )


def _describe(config) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
    if "unexpected_rows_query" in kwargs:
        return config.meta.get("description", config.type) if config.meta else config.type
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{config.type}({args})"


def _count(info: dict) -> int | None:
    value = info.get("unexpected_count", info.get("observed_value"))
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _utc(value: Any, engine: str) -> Any:
    """Instants in UTC, whichever engine read them. DuckDB gives a TIMESTAMPTZ as an aware
    datetime in its session time zone (the machine's); Spark gives a TIMESTAMP (an instant) as
    a naive datetime in the Python process's local time. A naive datetime from DuckDB is a
    TIMESTAMP without time zone: a wall-clock value, left as it is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None or engine == "spark":
            return value.astimezone(UTC)
        return value
    if isinstance(value, dict):
        return {k: _utc(v, engine) for k, v in value.items()}
    return value


def _offending_rows(info: dict, engine: str = "duckdb") -> list[dict[str, Any]]:
    """The rows behind a failure: whole rows (unexpected-rows queries), key + value (column
    expectations with index columns), or bare values."""
    details = info.get("details") or {}
    rows = details.get("unexpected_rows") if isinstance(details, dict) else None
    if rows is None:
        rows = info.get("unexpected_index_list")
    if rows is None and info.get("unexpected_list"):
        rows = [{"value": v} for v in info["unexpected_list"]]
    out = []
    for row in list(rows or [])[:MAX_ROWS_PER_EXPECTATION]:
        row = _utc(row, engine)
        out.append(json_safe(dict(row)) if isinstance(row, dict) else {"value": json_safe(row)})
    return out


def _batch_definition(datasource, spec: SuiteSpec):
    if spec.query is not None:
        # GX wants the query to start with SELECT: wrap it (a suite's query may open with WITH)
        query = f"select * from ({spec.query}) as suite_rows"
        asset = datasource.add_query_asset(name=spec.name, query=query)
    else:
        asset = datasource.add_table_asset(
            name=spec.target, table_name=spec.table, schema_name=spec.schema
        )
    return asset.add_batch_definition_whole_table("whole table")


def run_suite(
    warehouse: str | Path,
    spec: SuiteSpec,
    *,
    run_name: str = "adhoc",
    docs_dir: Path | None = None,
) -> SuiteOutcome:
    """Validate the suite's table (or query) in the DuckDB file through a GX checkpoint.

    With `docs_dir`, the validation result is stored there and the Data Docs site in that
    folder is rebuilt (every suite validated into the same folder appears in its index).
    """
    reason = missing_inputs(warehouse, spec)
    if reason is not None:
        return _skipped(spec, reason, "duckdb")
    with gx_duckdb_datasource(warehouse, project_config=_project_config(docs_dir)) as (
        context,
        datasource,
    ):
        batch_definition = _batch_definition(datasource, spec)
        result = _validate(context, batch_definition, spec, run_name, docs_dir)
    return _outcome(spec, result, "duckdb", docs_dir)


def run_suite_on_spark(
    spark,
    marts_dir: Path,
    spec: SuiteSpec,
    *,
    run_name: str = "adhoc",
    docs_dir: Path | None = None,
) -> SuiteOutcome:
    """Validate the suite on the Spark mart (Parquet under `marts_dir`) through GX's Spark
    datasource: the same expectations, the same outcome as `run_suite` gives on DuckDB."""
    from expectations.gx_spark import gx_spark_datasource, spark_missing_inputs, suite_dataframe

    reason = spark_missing_inputs(spark, marts_dir, spec)
    if reason is not None:
        return _skipped(spec, reason, "spark")
    dataframe = suite_dataframe(spark, marts_dir, spec)
    with gx_spark_datasource(project_config=_project_config(docs_dir)) as (context, datasource):
        asset = datasource.add_dataframe_asset(name=spec.name if spec.query else spec.target)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole dataframe")
        result = _validate(
            context, batch_definition, spec, run_name, docs_dir, {"dataframe": dataframe}
        )
    return _outcome(spec, result, "spark", docs_dir)


def _project_config(docs_dir: Path | None):
    if docs_dir is None:
        return None
    from expectations import data_docs

    return data_docs.project_config(docs_dir)


def _skipped(spec: SuiteSpec, reason: str, engine: str) -> SuiteOutcome:
    return SuiteOutcome(
        suite=spec.name,
        table=spec.target,
        success=False,
        outcomes=[],
        skipped=reason,
        engine=engine,
    )


def _validate(context, batch_definition, spec: SuiteSpec, run_name, docs_dir, batch=None):
    """Run the suite's checkpoint on the batch; store the result and rebuild the Data Docs."""
    suite = gx.ExpectationSuite(name=spec.name)
    for expectation in spec.build():
        suite.add_expectation(expectation)
    suite = context.suites.add_or_update(suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
    )
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if spec.key:
        result_format["unexpected_index_column_names"] = list(spec.key)
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=spec.name,
            validation_definitions=[validation],
            actions=[],
            result_format=result_format,
        )
    )
    checkpoint_result = checkpoint.run(
        batch_parameters=batch, run_id=RunIdentifier(run_name=run_name)
    )
    if docs_dir is not None:
        from expectations import data_docs

        data_docs.build(context, docs_dir)
    (result,) = checkpoint_result.run_results.values()
    return result


def _outcome(spec: SuiteSpec, result, engine: str, docs_dir: Path | None) -> SuiteOutcome:
    """The plain-data summary of a validation result, the same whichever engine ran it."""
    outcomes = []
    for r in result.results:
        info = r.result or {}
        rows = _offending_rows(info, engine) if not r.success else []
        outcome = ExpectationOutcome(
            expectation=r.expectation_config.type,
            description=_describe(r.expectation_config),
            success=bool(r.success),
            unexpected_count=_count(info),
            sample=[repr(row) for row in rows[:10]],
            rows=rows,
        )
        if r.exception_info and r.exception_info.get("raised_exception"):
            outcome.success = False
            outcome.sample = [r.exception_info.get("exception_message")]
        outcomes.append(outcome)
    outcome = SuiteOutcome(
        suite=spec.name,
        table=spec.target,
        success=all(o.success for o in outcomes),
        outcomes=outcomes,
        engine=engine,
    )
    if docs_dir is not None:
        from expectations import data_docs

        data_docs.write_failing_rows(docs_dir, outcome)
    return outcome
