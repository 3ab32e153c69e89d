"""Publish the marts for readers: a read-only DuckDB snapshot, swapped in atomically, plus Parquet.

DuckDB has one writer, and a reader holding the warehouse open would block the pipeline (and
the reverse). So dashboards, BI tools and report pulls never open the warehouse: they read
`<data_dir>/published/snapshot.duckdb`, a copy of the `marts` schema (and the `audit` tables a
reader needs) written to a temporary file and moved into place with `os.replace`. A reader
that opened the previous snapshot keeps reading it until it reconnects; none ever sees a
half-written one.

BI tools that cannot open a DuckDB 2.0 file (Superset, Metabase, Excel Power Query, DuckDB 1.x
clients) read `<data_dir>/published/parquet/<schema>/<table>.parquet`, each file replaced
atomically in the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SNAPSHOT_NAME = "snapshot.duckdb"  # not marts.duckdb: a catalog named like a schema is ambiguous
# audit tables a reader needs (load history, quarantine, closed periods, expectation failures)
AUDIT_TABLES = (
    "load_log",
    "quarantine",
    "closed_periods",
    "expectation_failures",
    "files",
    "close_events",
    "period_adjustments",
)


@dataclass(frozen=True)
class PublishResult:
    snapshot: Path
    parquet_dir: Path
    tables: list[str]
    published_at: datetime
    content_hash: str


def published_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "published"


def snapshot_path(data_dir: Path) -> Path:
    return published_dir(data_dir) / SNAPSHOT_NAME


def _tables_to_publish(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        """
        select schema_name, table_name from duckdb_tables()
        where database_name = 'src' and (
            schema_name = 'marts'
            or (schema_name = 'audit' and table_name in (select unnest(?)))
        )
        order by schema_name, table_name
        """,
        [list(AUDIT_TABLES)],
    ).fetchall()
    return [(schema, name) for schema, name in rows]


def publish_snapshot(warehouse: Path, data_dir: Path, run_id: str | None = None) -> PublishResult:
    """Copy marts (+ reader audit tables) into a new snapshot and Parquet files, atomically."""
    out = published_dir(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    published_at = datetime.now(UTC)
    tmp = out / f"tmp_snapshot_{os.getpid()}.duckdb"
    tmp.unlink(missing_ok=True)
    staging_parquet = out / f".parquet.{os.getpid()}.tmp"
    shutil.rmtree(staging_parquet, ignore_errors=True)
    digest = hashlib.sha256()
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach '{Path(warehouse).resolve()}' as src (read_only)")
        tables = _tables_to_publish(con)
        if not any(schema == "marts" for schema, _ in tables):
            raise RuntimeError(f"{warehouse}: no marts to publish (has dbt build run?)")
        for schema, name in tables:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {schema}.{name} as select * from src.{schema}.{name}")
            target = staging_parquet / schema / f"{name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy {schema}.{name} to '{target}' (format parquet, compression zstd)")
            count, row_hash = con.execute(
                f"select count(*), sum(hash(t)) from {schema}.{name} as t"
            ).fetchone()
            digest.update(f"{schema}.{name}:{count}:{row_hash};".encode())
        content_hash = digest.hexdigest()
        con.execute("create schema if not exists meta")
        con.execute(
            "create table meta.snapshot as select ?::timestamptz as published_at, "
            "?::varchar as run_id, ?::varchar as source_warehouse, ?::varchar as content_hash",
            [published_at, run_id, str(Path(warehouse).resolve()), content_hash],
        )
        con.execute("detach src")
    finally:
        con.close()
    # swap in: first the Parquet files (each atomically), then the snapshot
    final_parquet = out / "parquet"
    for file in sorted(staging_parquet.rglob("*.parquet")):
        dest = final_parquet / file.relative_to(staging_parquet)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, dest)
    shutil.rmtree(staging_parquet, ignore_errors=True)
    names = [f"{schema}.{name}" for schema, name in tables]
    for stale in final_parquet.rglob("*.parquet"):  # tables no longer published
        if f"{stale.parent.name}.{stale.stem}" not in names:
            stale.unlink()
    os.replace(tmp, out / SNAPSHOT_NAME)
    log.info("published %d tables to %s", len(names), out)
    return PublishResult(out / SNAPSHOT_NAME, final_parquet, names, published_at, content_hash)


def read_snapshot_info(data_dir: Path) -> dict | None:
    """When and from which run the current snapshot was published; None if there is none."""
    path = snapshot_path(data_dir)
    if not path.exists():
        return None
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("select published_at, run_id, content_hash from meta.snapshot").fetchone()
    finally:
        con.close()
    return {"published_at": row[0], "run_id": row[1], "content_hash": row[2]}
