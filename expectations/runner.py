"""Run an expectation suite against the DuckDB warehouse and summarise the outcome.

A suite validates one table (or, for suites that compare sources, the rows of one query) through
a GX checkpoint. The summary is plain data (no GX objects), so Dagster asset checks, the CLI and
tests can use it without knowing Great Expectations. Each failed expectation carries the rows
that broke it (JSON-safe: keys and values), which `expectations.failures` writes to the audit.

A suite whose table or columns do not exist yet is *skipped* with the reason (see
`expectations.availability`), never run, never counted as passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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


def _offending_rows(info: dict) -> list[dict[str, Any]]:
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
        return SuiteOutcome(
            suite=spec.name, table=spec.target, success=False, outcomes=[], skipped=reason
        )
    from expectations import data_docs

    project_config = data_docs.project_config(docs_dir) if docs_dir is not None else None
    with gx_duckdb_datasource(warehouse, project_config=project_config) as (context, datasource):
        batch_definition = _batch_definition(datasource, spec)
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
        checkpoint_result = checkpoint.run(run_id=RunIdentifier(run_name=run_name))
        if docs_dir is not None:
            data_docs.build(context, docs_dir)
    (result,) = checkpoint_result.run_results.values()
    outcomes = []
    for r in result.results:
        info = r.result or {}
        rows = _offending_rows(info) if not r.success else []
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
    )
    if docs_dir is not None:
        data_docs.write_failing_rows(docs_dir, outcome)
    return outcome
