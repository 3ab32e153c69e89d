"""Failed expectations as rows in `audit.expectation_failures`, for people and for the marts.

Each failing expectation of a suite run becomes one row: the suite, the table, the
expectation and its plain description, how many rows failed and a sample of them, the run and
whether the suite blocks (integrity) or warns (a break, a stale source). The table is a log:
every run appends its own failures, so a failure's history can be followed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from expectations.runner import SuiteOutcome, SuiteSpec

DDL = """
create schema if not exists audit;
create table if not exists audit.expectation_failures (
    run_id varchar not null,
    checked_at timestamptz not null,
    suite varchar not null,
    table_name varchar not null,
    expectation varchar not null,
    description varchar not null,
    severity varchar not null,
    unexpected_count bigint,
    sample_json varchar
);
"""


def record_failures(
    con: duckdb.DuckDBPyConnection, spec: SuiteSpec, outcome: SuiteOutcome, run_id: str
) -> int:
    """Append one row per failed expectation of this suite run; return how many."""
    con.execute(DDL)
    checked_at = datetime.now(UTC)
    rows = [
        (
            run_id,
            checked_at,
            outcome.suite,
            outcome.table,
            failure.expectation,
            failure.description,
            "error" if spec.blocking else "warn",
            failure.unexpected_count if isinstance(failure.unexpected_count, int) else None,
            json.dumps(failure.sample[:10]),
        )
        for failure in outcome.failed
    ]
    if rows:
        con.executemany(
            "insert into audit.expectation_failures values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    return len(rows)
