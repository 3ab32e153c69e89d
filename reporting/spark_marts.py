"""Engine spark: the marts Spark built, mirrored into the DuckDB warehouse's `marts` schema.

After a Spark build the Dagster step copies each Spark mart (a folder of Parquet files under
`<data_dir>/spark/tables/marts.db/`) into `marts.<name>` in one transaction. What still reads
the warehouse file's marts, and so needs this mirror (whichever engine built them):

- the publish step (reporting/publish.py): the read-only snapshot and the Parquet set, which the
  finance dashboard and BI tools read; it copies every mart, so every mart is mirrored;
- the close (reporting/close/): period snapshots into `audit`, the close pack;
- the CLI (usd1inv/breaks.py, usd1inv/summary.py): the break register and the run summary;
- one quality suite, `source_freshness`, for the latest `as_of_date` of inventory_daily (its
  other inputs are raw and audit tables, which live in the warehouse file under both engines).

The Great Expectations suites of the marts do **not** read the mirror: with engine spark they
validate the Spark marts where they are, through GX's Spark datasource (expectations/engines.py,
expectations/gx_spark.py), so a check never waits for, or trusts, a copy. The mirror is sized
for marts that are aggregates (per day, location, period); a mart too large for one machine
(an exchange's wallets x days grid) would have to be published from Spark's Parquet instead.
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
