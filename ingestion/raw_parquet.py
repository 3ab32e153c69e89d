"""The raw and audit tables the dbt models read, written also as Parquet for the Spark target.

Spark does not read the DuckDB file: `export_raw_parquet` writes every table of the `raw` and
`audit` schemas under `root/<schema>/<table>/`, one Parquet file per partition:

- on-chain tables by network and LOCAL day (reporting time zone) of their block:
  `raw/onchain_transfers/network=mainnet/local_date=2026-01-02/part.parquet`;
- file-loaded tables with a `source` column by source: `raw/ledger_entries/source=ledger/…`;
- the rest (registry, small audit tables) as one file: `raw/registry_wallets/part.parquet`.

Every file holds all the table's columns (the directory names are only the layout; the Spark
sources read the folder recursively), exactly typed (DECIMAL stays DECIMAL, timestamps UTC).
Each partition is written to a hidden temporary file beside its target and moved into place
with `os.replace`: a reader sees the old or the new partition, never half of one, and a
kill -9 leaves at most a hidden temp file (Spark and DuckDB skip names starting with '.').
Partitions that no longer exist in the warehouse are removed, so a re-run gives the same files.
A partition whose content did not change is not rewritten (same bytes, same modification time).

`root` is a local folder here; on a cluster the product copies it to (or writes it at) the
object-store URI of `warehouse.raw_root`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import duckdb

EXPORTED_SCHEMAS = ("raw", "audit")
PART_FILE = "part.parquet"

# On-chain tables: the column whose local day partitions them (a UTC timestamp or a date
# that is already local).
LOCAL_DAY_COLUMN = {
    "onchain_transfers": ("block_time", "timestamp"),
    "onchain_transfer_deletions": ("block_time", "timestamp"),
    "onchain_balances": ("block_date", "date"),
    "onchain_day_blocks": ("block_date", "date"),
    "onchain_freezes": ("block_date", "date"),
    "onchain_freeze_events": ("block_time", "timestamp"),
    "onchain_wallet_control": ("block_date", "date"),
    "onchain_wallet_signers": ("block_date", "date"),
}


@dataclass
class ExportResult:
    tables: int = 0
    partitions_written: int = 0
    partitions_unchanged: int = 0
    partitions_removed: int = 0
    files: list[Path] = field(default_factory=list)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _partition_spec(columns: list[str], table: str, timezone: str) -> list[tuple[str, str]] | None:
    """(directory key, SQL expression) pairs that partition `table`, or None for one file."""
    if table in LOCAL_DAY_COLUMN and "network" in columns:
        column, kind = LOCAL_DAY_COLUMN[table]
        day = (
            f"cast(timezone('{timezone}', {_quote_ident(column)}) as date)"
            if kind == "timestamp"
            else _quote_ident(column)
        )
        return [("network", '"network"'), ("local_date", day)]
    if "source" in columns:
        return [("source", '"source"')]
    return None


def _local_day_bounds(table: str, day: date | None) -> tuple[str, str, str] | None:
    """For a table partitioned by the local day of a UTC timestamp: (column, a UTC instant
    before the day's first, one after its last) as text for a timestamptz cast: the UTC days
    before and after it (every zone is within 14 hours of UTC); else None."""
    if table not in LOCAL_DAY_COLUMN or day is None:
        return None
    column, kind = LOCAL_DAY_COLUMN[table]
    if kind != "timestamp":
        return None
    return (
        _quote_ident(column),
        f"{day - timedelta(days=1)} 00:00:00+00",
        f"{day + timedelta(days=2)} 00:00:00+00",
    )


def _partition_dir(table_dir: Path, keys: list[str], values: tuple) -> Path:
    parts = [
        f"{key}={quote('__null__' if value is None else str(value), safe='')}"
        for key, value in zip(keys, values, strict=True)
    ]
    return table_dir.joinpath(*parts)


def _file_digest(path: Path) -> str | None:
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_partition(
    con: duckdb.DuckDBPyConnection, query: str, params: list, target: Path, result: ExportResult
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f".{PART_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        con.execute(
            f"copy ({query}) to '{temp.as_posix()}' (format parquet, compression zstd)", params
        )
        if _file_digest(temp) == _file_digest(target):
            temp.unlink()
            result.partitions_unchanged += 1
        else:
            os.replace(temp, target)
            result.partitions_written += 1
    finally:
        temp.unlink(missing_ok=True)
    result.files.append(target)


def _remove_stale(table_dir: Path, keep: set[Path], result: ExportResult) -> None:
    """Remove partition files that are no longer in the warehouse, and leftover temp files."""
    if not table_dir.exists():
        return
    for path in sorted(table_dir.rglob("*")):
        if path.is_file() and path.name.startswith(f".{PART_FILE}."):
            path.unlink(missing_ok=True)
        elif path.is_file() and path.name == PART_FILE and path not in keep:
            path.unlink()
            result.partitions_removed += 1
    for path in sorted(table_dir.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def export_raw_parquet(
    con: duckdb.DuckDBPyConnection, root: str | Path, timezone: str
) -> ExportResult:
    """Write every raw and audit table as partitioned Parquet under `root` (idempotent)."""
    ZoneInfo(timezone)  # an unknown zone fails here, before any SQL is built
    if not re.match(r"^[A-Za-z][A-Za-z0-9_+/-]*$", timezone):
        raise ValueError(f"reporting time zone {timezone!r} is not an IANA name")
    root = Path(root)
    result = ExportResult()
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('raw', 'audit') and table_type = 'BASE TABLE' "
        "order by 1, 2"
    ).fetchall()
    for schema, table in tables:
        result.tables += 1
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
        ]
        relation = f"{_quote_ident(schema)}.{_quote_ident(table)}"
        table_dir = root / schema / table
        spec = _partition_spec(columns, table, timezone)
        keep: set[Path] = set()
        if spec is None:
            target = table_dir / PART_FILE
            _write_partition(con, f"select * from {relation}", [], target, result)
            keep.add(target)
        else:
            keys = [key for key, _ in spec]
            expressions = [expression for _, expression in spec]
            values = con.execute(
                f"select distinct {', '.join(expressions)} from {relation} order by all"
            ).fetchall()
            for value in values:
                where = " and ".join(
                    f"{expression} is null" if v is None else f"{expression} = ?"
                    for expression, v in zip(expressions, value, strict=True)
                )
                params = [v for v in value if v is not None]
                bounds = _local_day_bounds(table, value[-1])
                if bounds is not None:
                    # the same rows, but a range on the stored column lets DuckDB skip the row
                    # groups of other days (zone maps) instead of converting every row's time
                    where += (
                        f" and {bounds[0]} >= cast(? as timestamptz)"
                        f" and {bounds[0]} < cast(? as timestamptz)"
                    )
                    params += bounds[1:]
                target = _partition_dir(table_dir, keys, value) / PART_FILE
                _write_partition(
                    con, f"select * from {relation} where {where}", params, target, result
                )
                keep.add(target)
            if not values:
                # an empty table still needs its columns: one empty file at the table root
                target = table_dir / PART_FILE
                _write_partition(con, f"select * from {relation} limit 0", [], target, result)
                keep.add(target)
        _remove_stale(table_dir, keep, result)
    for schema_dir in (root / s for s in EXPORTED_SCHEMAS):
        if not schema_dir.exists():
            continue
        known = {t for s, t in tables if root / s == schema_dir}
        for stale in schema_dir.iterdir():
            if stale.is_dir() and stale.name not in known:
                shutil.rmtree(stale)
    return result
