"""Publish the marts for readers: a read-only DuckDB snapshot, swapped in atomically, plus Parquet.

DuckDB has one writer, and a reader holding the warehouse open would block the pipeline (and
the reverse). So dashboards, BI tools and report pulls never open the warehouse: they read
`<data_dir>/published/snapshot.duckdb`, a copy of the `marts` schema (and the `audit` tables a
reader needs). BI tools that cannot open a DuckDB 2.0 file (Superset, Metabase, Excel Power
Query, DuckDB 1.x clients) read `<data_dir>/published/parquet/<schema>/<table>.parquet`.

Both are written into a new version folder and switched in together by one atomic rename of
the `current` symlink (`snapshot.duckdb` and `parquet` point through it): a publish killed at
any moment (issue #14) leaves the previous snapshot and Parquet set whole, never a partial or
mixed one. A reader that opened the previous snapshot keeps reading it until it reconnects.
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
CURRENT = "current"  # symlink to the version folder readers see
VERSION = "v-"  # version folders: v-<published at>-<content hash>
BUILDING = ".building-"  # a publish in progress (or killed): never read
# audit tables a reader needs (load history, quarantine, closed periods, expectation failures,
# what people did to breaks)
AUDIT_TABLES = (
    "load_log",
    "quarantine",
    "closed_periods",
    "expectation_failures",
    "break_events",
    "files",
    "close_events",
    "period_adjustments",
    "actions",
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


def _clear_leftovers(out: Path) -> None:
    """Remove what a killed publish left (its building folder, the old layout's temporary
    files) and versions no longer current. Only the publish writes here, and it runs under the
    warehouse's lock (orchestration/runlock.py): nothing else is building at the same time."""
    current = os.path.realpath(out / CURRENT)
    for path in out.iterdir():
        name = path.name
        if name.startswith((BUILDING, "tmp_snapshot_", ".parquet.")) or (
            name.startswith(VERSION) and os.path.realpath(path) != current
        ):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _link(out: Path, name: str, target: str) -> None:
    """Point `out/name` at `target` (a relative symlink) in one atomic rename."""
    tmp = out / f"{BUILDING}link-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    path = out / name
    if path.is_dir() and not path.is_symlink():  # the old layout's real folder: moved away
        os.replace(path, out / f"{VERSION}old-{name}")
    os.replace(tmp, path)


def publish_snapshot(warehouse: Path, data_dir: Path, run_id: str | None = None) -> PublishResult:
    """Copy marts (+ reader audit tables) into a new snapshot and Parquet files, atomically.

    Each publish writes a new version folder (`v-<time>-<hash>`: snapshot.duckdb and parquet/)
    and then swaps the `current` symlink to it in one rename; `snapshot.duckdb` and `parquet`
    are symlinks through `current`. A publish killed at any moment leaves the previous version
    in place (snapshot and Parquet from the same run, never a half-written or mixed set); the
    next publish removes what it left."""
    out = published_dir(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(out)
    published_at = datetime.now(UTC)
    building = out / f"{BUILDING}{os.getpid()}"
    building.mkdir()
    tmp = building / SNAPSHOT_NAME
    staging_parquet = building / "parquet"
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
        con.execute("checkpoint")
    finally:
        con.close()
    version = f"{VERSION}{published_at:%Y%m%dT%H%M%S%fZ}-{content_hash[:12]}"
    os.replace(building, out / version)  # complete: named as a version
    _link(out, CURRENT, version)  # the switch: snapshot and Parquet together
    # the stable names readers use (created once; the old layout's file or folder replaced)
    for name, target in (
        (SNAPSHOT_NAME, f"{CURRENT}/{SNAPSHOT_NAME}"),
        ("parquet", f"{CURRENT}/parquet"),
    ):
        if not (out / name).is_symlink() or os.readlink(out / name) != target:
            _link(out, name, target)
    _clear_leftovers(out)
    names = [f"{schema}.{name}" for schema, name in tables]
    log.info("published %d tables to %s (%s)", len(names), out, version)
    return PublishResult(out / SNAPSHOT_NAME, out / "parquet", names, published_at, content_hash)


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
