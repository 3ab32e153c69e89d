"""Engine spark: the marts Spark built, mirrored into the DuckDB warehouse's `marts` schema.

Everything downstream of the build reads the warehouse file: the Great Expectations asset
checks, the publish step (snapshot + Parquet for readers), the dashboard and the close pack.
After a Spark build the Dagster step copies each Spark mart (a folder of Parquet files under
`<data_dir>/spark/tables/marts.db/`) into `marts.<name>` in one transaction, so those readers
work unchanged whichever engine built the marts. Marts are aggregates (per day, location,
period): small beside the raw history Spark was needed for.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def spark_mart_folders(marts_dir: Path) -> list[Path]:
    """The marts Spark wrote: one folder of Parquet files per table (hidden folders skipped)."""
    if not marts_dir.is_dir():
        return []
    return [
        folder
        for folder in sorted(marts_dir.iterdir())
        if folder.is_dir() and not folder.name.startswith((".", "_"))
    ]


def mirror_spark_marts(con: duckdb.DuckDBPyConnection, marts_dir: Path) -> list[str]:
    """Replace `marts.<name>` by each Spark mart's rows, all in one transaction."""
    folders = spark_mart_folders(marts_dir)
    if not folders:
        raise RuntimeError(f"{marts_dir}: no Spark marts to mirror (has the Spark build run?)")
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists marts")
        for folder in folders:
            files = folder.as_posix().replace("'", "''") + "/*.parquet"
            con.execute(
                f'create or replace table marts."{folder.name}" as '
                f"select * from read_parquet('{files}')"
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [folder.name for folder in folders]
