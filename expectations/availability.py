"""Whether a suite can run: its table, columns and the other tables it reads must exist.

A mart still being built (or a source not set up) makes its suite *skipped* with the reason,
never a crash and never a pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pragma: no cover
    from expectations.runner import SuiteSpec


def missing_inputs(warehouse: str | Path, spec: SuiteSpec) -> str | None:
    """None when everything the suite reads exists, else what is missing, in plain words."""
    if not Path(warehouse).exists():
        return f"warehouse {warehouse} does not exist"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select schema_name || '.' || table_name, column_name from duckdb_columns()"
        ).fetchall()
    finally:
        con.close()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    for table in (spec.target, *spec.also_reads):
        if table not in columns:
            return f"table {table} does not exist yet"
    absent = [c for c in spec.columns if c not in columns[spec.target]]
    if absent:
        return f"{spec.target} has no column {', '.join(absent)} yet"
    return None
