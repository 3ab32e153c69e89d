"""Every suite run as a row in `audit.expectation_runs`: passed, failed or skipped, and why.

The CLI summary reads it to say which suites were skipped (their mart or column does not exist
yet) and where the run's Data Docs are; a person can follow a suite's history with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from expectations.runner import SuiteOutcome, SuiteSpec

DDL = """
create schema if not exists audit;
create table if not exists audit.expectation_runs (
    run_id varchar not null,
    checked_at timestamptz not null,
    suite varchar not null,
    table_name varchar not null,
    severity varchar not null,
    status varchar not null,            -- passed | failed | skipped
    expectations integer not null,
    failed_expectations integer not null,
    unexpected_rows bigint not null,
    skipped_reason varchar,
    data_docs varchar                   -- the run's Data Docs index page, when built
);
"""


def status_of(outcome: SuiteOutcome) -> str:
    if outcome.skipped:
        return "skipped"
    return "passed" if outcome.success else "failed"


def record_suite_run(
    con: duckdb.DuckDBPyConnection,
    spec: SuiteSpec,
    outcome: SuiteOutcome,
    run_id: str,
    data_docs: Path | None = None,
) -> None:
    con.execute(DDL)
    con.execute(
        "insert into audit.expectation_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            datetime.now(UTC),
            outcome.suite,
            outcome.table,
            "error" if spec.blocking else "warn",
            status_of(outcome),
            len(outcome.outcomes),
            len(outcome.failed),
            sum(o.unexpected_count or 0 for o in outcome.failed),
            outcome.skipped,
            str(data_docs) if data_docs is not None else None,
        ],
    )


def suite_runs(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """The suites run in one Dagster run, latest first per suite; [] when none were."""
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'audit' and table_name = 'expectation_runs'"
    ).fetchone()[0]
    if not exists:
        return []
    cursor = con.execute(
        "select suite, table_name, severity, status, failed_expectations, unexpected_rows, "
        "skipped_reason, data_docs from audit.expectation_runs where run_id = ? "
        "qualify row_number() over (partition by suite order by checked_at desc) = 1 "
        "order by suite",
        [run_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
