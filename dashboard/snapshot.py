"""Read-only access to the published snapshot: one connection per query, never the warehouse.

The pipeline swaps `<data_dir>/published/snapshot.duckdb` in atomically after every green build
(reporting/publish.py). Every query runs on its own connection, so it sees one whole snapshot
and never blocks or waits for a run.

Opening a DuckDB database costs ~40-80 ms (a new database instance), more than most of the
dashboard's queries, and a page runs a dozen. So each published file (known by its inode and
modification time) is attached read-only once, in an in-memory instance of this process, and
every query gets a new connection (a cursor) on it. When the next snapshot is swapped in, the
path names a new inode: the next query attaches that one; the previous instance is kept until
the swap after (a query still running on it finishes) and then closed. DuckDB's own instance
cache is keyed by path, not by file, so it cannot be used to follow the swaps.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from reporting.publish import snapshot_path


@dataclass(frozen=True)
class SnapshotStatus:
    exists: bool
    published_at: datetime | None = None
    run_id: str | None = None
    age: timedelta | None = None
    is_stale: bool = False


class _AttachedSnapshots:
    """One in-memory DuckDB instance per published file version, shared by the sessions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[Path, tuple[tuple[int, int], duckdb.DuckDBPyConnection]] = {}
        self._previous: dict[Path, duckdb.DuckDBPyConnection] = {}

    def connect(self, path: Path) -> duckdb.DuckDBPyConnection:
        stat = os.stat(path)  # FileNotFoundError when nothing is published yet
        version = (stat.st_ino, stat.st_mtime_ns)
        with self._lock:
            known = self._current.get(path)
            if known is None or known[0] != version:
                instance = duckdb.connect()
                quoted = str(path).replace("'", "''")
                instance.execute(f"attach '{quoted}' as snapshot (read_only)")
                if known is not None:
                    older = self._previous.pop(path, None)
                    if older is not None:
                        older.close()
                    self._previous[path] = known[1]
                known = self._current[path] = (version, instance)
            cursor = known[1].cursor()
        cursor.execute("use snapshot")
        return cursor

    def close_all(self) -> None:
        with self._lock:
            for instance in [i for _, i in self._current.values()] + list(self._previous.values()):
                instance.close()
            self._current.clear()
            self._previous.clear()


_ATTACHED = _AttachedSnapshots()


def release_attached_snapshots() -> None:
    """Close every snapshot this process has attached. DuckDB refuses, in the same process, to
    open a file for writing under a path another instance has attached, so a process that
    both reads and then rewrites a published snapshot in place (a test, a benchmark) calls
    this in between; the pipeline never rewrites one in place (it swaps a new file in)."""
    _ATTACHED.close_all()


class Snapshot:
    """The published marts of one configuration's data folder."""

    def __init__(self, data_dir: str | Path, stale_after: timedelta = timedelta(hours=26)):
        self.path = snapshot_path(Path(data_dir))
        self.stale_after = stale_after

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # absolute, not resolved: `snapshot.duckdb` is a symlink through `current` to the
        # published version (reporting/publish.py); its inode says which version is attached
        return _ATTACHED.connect(Path(os.path.abspath(self.path)))

    def status(self, now: datetime | None = None) -> SnapshotStatus:
        if not self.path.exists():
            return SnapshotStatus(exists=False)
        con = self._connect()
        try:
            published_at, run_id = con.execute(
                "select published_at, run_id from meta.snapshot"
            ).fetchone()
        finally:
            con.close()
        age = (now or datetime.now(UTC)) - published_at
        return SnapshotStatus(True, published_at, run_id, age, age > self.stale_after)

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        """Run one query on its own read-only connection; exact DECIMALs stay Decimal."""
        con = self._connect()
        try:
            return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())
        finally:
            con.close()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        con = self._connect()
        try:
            row = con.execute(sql, params or []).fetchone()
        finally:
            con.close()
        return row[0] if row else None

    def has_table(self, qualified: str) -> bool:
        schema, table = qualified.split(".")
        return bool(
            self.scalar(
                "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                [schema, table],
            )
        )
