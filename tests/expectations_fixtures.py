"""Small DuckDB warehouses for the quality-suite tests: clean tables, and faults planted in them.

Each table is created from a SELECT (no constraints, so a duplicate key can be planted); a fault
is one SQL statement run on a copy of the clean file. Real DuckDB files, validated by real GX.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from expectations.runner import SuiteOutcome


def make_warehouse(path: Path, tables: dict[str, str]) -> Path:
    """A DuckDB file with `schema.table` -> `select ...` created as tables."""
    con = duckdb.connect(str(path))
    try:
        for name, select in tables.items():
            schema = name.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {name} as {select}")
    finally:
        con.close()
    return path


def with_fault(clean: Path, target: Path, fault_sql: str) -> Path:
    """A copy of the clean warehouse with one fault planted by `fault_sql`."""
    shutil.copyfile(clean, target)
    con = duckdb.connect(str(target))
    try:
        con.execute(fault_sql)
    finally:
        con.close()
    return target


def failed_descriptions(outcome: SuiteOutcome) -> list[str]:
    return [f"{o.expectation}: {o.description}" for o in outcome.failed]


def assert_fails_on(outcome: SuiteOutcome, needle: str) -> None:
    """The suite ran, and an expectation whose type or description contains `needle` failed."""
    assert outcome.skipped is None, outcome.skipped
    assert not outcome.success, outcome.summary()
    assert any(needle in d for d in failed_descriptions(outcome)), (
        f"no failed expectation matching {needle!r}: {outcome.summary()}"
    )
