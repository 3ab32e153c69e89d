"""Failed expectations as rows in `audit.expectation_failures`, for people and for the marts.

Each offending row of a failed expectation becomes one audit row: the suite, the table, the
expectation and its plain description, the severity (error: integrity, blocks; warn: a break,
a stale source), the run, how many rows failed in all, and the row itself as JSON:

- `keys_json`: the suite's key columns of the offending row, a JSON object with exact values as
  strings and dates in ISO form, e.g. for the reconciliation suite
  ``{"as_of_date": "2026-10-31", "network": "ethereum", "location_id": "fireblocks-…",
  "comparison": "custodian_vs_ledger"}`` (read with ``keys_json ->> 'location_id'``);
- `values_json`: the other columns of that row (e.g. difference, tolerance, status);
- `sample_json`: the whole row as a one-element JSON list (what marts.reconciliation_breaks
  matches on), or a sample of values when the expectation has no row-level detail.

An expectation without row-level detail (a row count, a uniqueness test) gives one row with
null keys and values. At most `MAX_ROWS_PER_EXPECTATION` rows per expectation are kept. The
table is a log: every run appends its own failures, so a failure's history can be followed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from expectations.runner import ExpectationOutcome, SuiteOutcome, SuiteSpec

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
alter table audit.expectation_failures add column if not exists keys_json varchar;
alter table audit.expectation_failures add column if not exists values_json varchar;
"""
COLUMNS = (
    "run_id, checked_at, suite, table_name, expectation, description, severity, "
    "unexpected_count, sample_json, keys_json, values_json"
)


def _split(spec: SuiteSpec, row: dict) -> tuple[str, str | None, str]:
    keys = {k: row[k] for k in spec.key if k in row}
    values = {k: v for k, v in row.items() if k not in keys}
    return json.dumps([row]), (json.dumps(keys) if keys else None), json.dumps(values)


def _rows_of(spec: SuiteSpec, failure: ExpectationOutcome) -> list[tuple]:
    """(sample_json, keys_json, values_json) per offending row; sample_json is the row itself
    (a one-element list), or the expectation's sample when it has no rows."""
    return [_split(spec, row) for row in failure.rows] or [
        (json.dumps(failure.sample[:10]), None, None)
    ]


def record_failures(
    con: duckdb.DuckDBPyConnection, spec: SuiteSpec, outcome: SuiteOutcome, run_id: str
) -> int:
    """Append one row per offending row of each failed expectation; return how many."""
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
            failure.unexpected_count,
            sample_json,
            keys_json,
            values_json,
        )
        for failure in outcome.failed
        for sample_json, keys_json, values_json in _rows_of(spec, failure)
    ]
    if rows:
        con.executemany(
            f"insert into audit.expectation_failures ({COLUMNS}) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)
