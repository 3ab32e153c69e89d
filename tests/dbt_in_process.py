"""dbt in the test process, and the warehouse tables it compares.

`run_dbt` is `dbt <command>` through dbt's programmatic API (dbtRunner: the CLI without its
seconds of start-up per build); it fails the test with every node that errored or failed.
dbt-duckdb keeps the warehouse open in this process afterwards, so the tests open it with the
same configuration (never read-only) and checkpoint before copying the file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb
from dbt.cli.main import dbtRunner, dbtRunnerResult

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
MODELS_ONLY = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")

Tables = dict[str, tuple[list[tuple[str, str]], list[tuple[Any, ...]]]]


def run_dbt(
    warehouse: Path,
    work: Path,
    *args: str,
    dbt_vars: dict[str, str],
    command: str = "build",
    project_dir: Path = DBT_PROJECT_DIR,
) -> dbtRunnerResult:
    os.environ["USD1INV_WAREHOUSE"] = str(warehouse)  # read by dbt_project/profiles.yml
    result = dbtRunner().invoke(
        [
            command,
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps(dbt_vars),
            "--quiet",
        ]
    )
    failed = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) in {"error", "fail"}
    ]
    assert result.success and not failed, (
        f"dbt {command} {args} failed: {result.exception} {failed}"
    )
    return result


def read_tables(warehouse: Path, tables: tuple[str, ...]) -> Tables:
    """Each table's (column name, type) list and its rows, sorted: exact values (Decimal)."""
    con = duckdb.connect(str(warehouse))
    try:
        out = {}
        for table in tables:
            schema, name = table.split(".")
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            assert columns, f"{table} is missing"
            rows = con.execute(f"select * from {table}").fetchall()
            out[table] = (columns, sorted(rows, key=repr))
        return out
    finally:
        con.close()
