"""Read-only access to the published snapshot: one connection per query, never the warehouse.

The pipeline swaps `<data_dir>/published/snapshot.duckdb` in atomically after every green build
(reporting/publish.py). Opening a connection per query means a reader never holds the file
between queries, always sees one whole snapshot per query, and never blocks or waits for a run.
"""

from __future__ import annotations

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


class Snapshot:
    """The published marts of one configuration's data folder."""

    def __init__(self, data_dir: str | Path, stale_after: timedelta = timedelta(hours=26)):
        self.path = snapshot_path(Path(data_dir))
        self.stale_after = stale_after

    def _connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)

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
