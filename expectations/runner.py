"""Run an expectation suite against one warehouse table and summarise the outcome.

The summary is plain data (no GX objects), so Dagster asset checks, the CLI and tests can use
it without knowing Great Expectations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx

from expectations.gx_duckdb import gx_duckdb_datasource


@dataclass(frozen=True)
class SuiteSpec:
    """A suite as code: which table it validates and the expectations it builds."""

    name: str
    schema: str
    table: str
    build: Callable[[], Sequence[gx.expectations.Expectation]]
    blocking: bool = True  # integrity suites block downstream assets; break suites warn


@dataclass
class ExpectationOutcome:
    expectation: str
    description: str
    success: bool
    unexpected_count: int | None = None
    sample: list[Any] = field(default_factory=list)


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def summary(self) -> str:
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


def run_suite(warehouse: str | Path, spec: SuiteSpec) -> SuiteOutcome:
    """Validate `spec.schema.spec.table` in the DuckDB file and return the outcome."""
    with gx_duckdb_datasource(warehouse) as (context, datasource):
        asset = datasource.add_table_asset(
            name=f"{spec.schema}.{spec.table}", table_name=spec.table, schema_name=spec.schema
        )
        batch_definition = asset.add_batch_definition_whole_table("whole table")
        suite = context.suites.add(gx.ExpectationSuite(name=spec.name))
        for expectation in spec.build():
            suite.add_expectation(expectation)
        result = batch_definition.get_batch().validate(suite, result_format="SUMMARY")
    outcomes = []
    for r in result.results:
        info = r.result or {}
        sample = info.get("partial_unexpected_list") or info.get("details", {}).get(
            "unexpected_rows", []
        )
        outcomes.append(
            ExpectationOutcome(
                expectation=r.expectation_config.type,
                description=_describe(r.expectation_config),
                success=bool(r.success),
                unexpected_count=info.get("unexpected_count", info.get("observed_value")),
                sample=[repr(s) for s in list(sample)[:10]],
            )
        )
        if r.exception_info and r.exception_info.get("raised_exception"):
            outcomes[-1].success = False
            outcomes[-1].sample = [r.exception_info.get("exception_message")]
    return SuiteOutcome(
        suite=spec.name,
        table=f"{spec.schema}.{spec.table}",
        success=all(o.success for o in outcomes),
        outcomes=outcomes,
    )
