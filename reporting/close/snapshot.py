"""Closed periods' snapshots in `audit`, and their content hash.

Each source of a close (reporting/close/sources.py) is stored in `audit.close_snapshot_<name>`:
the source's own columns, keyed by `close_id`. `audit.close_snapshot_tables` says which
columns (in order) and how many rows each close stored, with the table's sha256, so a later
mart that grows a column never changes how an old snapshot reads or renders. The content hash
is a sha256 over a canonical serialization: each row's values written in a fixed text form
(exact decimals, ISO dates, UTC times), rows sorted, tables in name order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb

DDL = """
create schema if not exists audit;
create table if not exists audit.closed_periods (
    period varchar not null,
    period_type varchar not null,
    period_start_date date not null,
    period_end_date date not null,
    status varchar not null,             -- closed | reopened
    closed_at timestamptz not null,
    closed_by varchar not null,
    run_id varchar,
    content_hash varchar not null,
    reopened_at timestamptz,
    reopen_reason varchar,
    close_id varchar not null primary key,
    version integer not null,
    entities varchar,
    reporting_timezone varchar
);
create table if not exists audit.close_events (
    event_at timestamptz not null,
    event varchar not null,              -- close | reopen | report | diff
    period varchar not null,
    close_id varchar,
    actor varchar not null,
    reason varchar,
    detail varchar
);
create table if not exists audit.close_snapshot_tables (
    close_id varchar not null,
    source varchar not null,
    columns_json varchar not null,       -- [[name, type], ...] in the order they render
    row_count bigint not null,
    content_hash varchar not null,
    primary key (close_id, source)
);
create table if not exists audit.period_adjustments (
    adjustment_period varchar not null,  -- the first open period, which shows it
    closed_period varchar not null,
    close_id varchar not null,
    entity varchar not null,
    network varchar not null,
    location_id varchar not null,
    comparison_or_measure varchar not null,
    closed_value decimal(38, 18),
    live_value decimal(38, 18),
    adjustment decimal(38, 18),
    detected_at timestamptz not null,
    explanation varchar not null,
    primary key (close_id, adjustment_period, entity, network, location_id,
        comparison_or_measure)
);
"""


@dataclass(frozen=True)
class Table:
    """One source of a close as stored: columns with their DuckDB types, rows in order."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[tuple, ...]

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]

    def dicts(self) -> list[dict]:
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in self.rows]

    def has(self, column: str) -> bool:
        return column in self.names


def init_close_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def canonical_value(value: object) -> str:
    """A value's fixed text form: the same value always gives the same text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat() if value.tzinfo is None else value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def table_hash(table: Table) -> str:
    lines = sorted("\t".join(canonical_value(v) for v in row) for row in table.rows)
    digest = hashlib.sha256(json.dumps([table.name, list(table.columns)]).encode())
    for line in lines:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def content_hash(tables: dict[str, Table]) -> str:
    """sha256 over the tables' hashes in name order."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(f"{name}:{table_hash(tables[name])};".encode())
    return digest.hexdigest()


def read_temp_table(con: duckdb.DuckDBPyConnection, name: str) -> Table:
    """A collected source (temp table _close_<name>), rows sorted by every column."""
    cur = con.execute(f"select * from temp._close_{name} order by all")
    columns = tuple((d[0], str(d[1])) for d in cur.description)
    return Table(name, columns, tuple(cur.fetchall()))


def _ensure_snapshot_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    target = f"audit.close_snapshot_{name}"
    con.execute(
        f"create table if not exists {target} as "
        f"select ''::varchar as close_id, * from temp._close_{name} limit 0"
    )
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'audit' and table_name = ?",
            [f"close_snapshot_{name}"],
        ).fetchall()
    }
    cur = con.execute(f"select * from temp._close_{name} limit 0")
    for column, kind in ((d[0], str(d[1])) for d in cur.description):
        if column not in have:  # the mart grew a column since an earlier close
            con.execute(f'alter table {target} add column "{column}" {kind}')


def store_snapshot(
    con: duckdb.DuckDBPyConnection, close_id: str, names: list[str]
) -> dict[str, Table]:
    """Copy each collected source into its audit snapshot table under close_id (in the
    caller's transaction); return the tables as stored."""
    tables = {}
    for name in names:
        table = read_temp_table(con, name)
        _ensure_snapshot_table(con, name)
        con.execute(
            f"insert into audit.close_snapshot_{name} by name "
            f"select ?::varchar as close_id, * from temp._close_{name}",
            [close_id],
        )
        con.execute(
            "insert into audit.close_snapshot_tables values (?, ?, ?, ?, ?)",
            [
                close_id,
                name,
                json.dumps([list(c) for c in table.columns]),
                len(table.rows),
                table_hash(table),
            ],
        )
        tables[name] = table
    return tables


class SnapshotError(RuntimeError):
    """A stored snapshot does not read back as it was closed."""


@dataclass(frozen=True)
class StoredTable:
    """A snapshot table as read back, with the row count and sha256 recorded at the close."""

    table: Table
    row_count: int
    sha256: str

    @property
    def intact(self) -> bool:
        return len(self.table.rows) == self.row_count and table_hash(self.table) == self.sha256


def read_stored_tables(con: duckdb.DuckDBPyConnection, close_id: str) -> list[StoredTable]:
    """The tables a close stored, with the columns it stored, not yet checked."""
    stored = con.execute(
        "select source, columns_json, row_count, content_hash from audit.close_snapshot_tables "
        "where close_id = ? order by source",
        [close_id],
    ).fetchall()
    found = []
    for name, columns_json, row_count, expected in stored:
        columns = tuple((c, t) for c, t in json.loads(columns_json))
        select = ", ".join(f'"{c}"' for c, _ in columns)
        rows = con.execute(
            f"select {select} from audit.close_snapshot_{name} where close_id = ? order by all",
            [close_id],
        ).fetchall()
        found.append(StoredTable(Table(name, columns, tuple(rows)), row_count, expected))
    return found


def load_snapshot(con: duckdb.DuckDBPyConnection, close_id: str) -> dict[str, Table]:
    """The tables a close stored, with the columns it stored, each checked against its hash."""
    tables = {}
    for stored in read_stored_tables(con, close_id):
        table = stored.table
        if not stored.intact:
            raise SnapshotError(
                f"audit.close_snapshot_{table.name}: close {close_id} no longer matches its "
                f"content hash ({len(table.rows)} rows, {stored.row_count} stored): the "
                "snapshot was altered"
            )
        tables[table.name] = table
    return tables
