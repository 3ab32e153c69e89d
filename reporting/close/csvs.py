"""The close pack's tables as CSV files (exact values: decimals in full, USD in cents)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from reporting.close.pack import Pack
from reporting.close.tables import PackTable


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([csv_value(v) for v in row] for row in rows)


def write_csvs(pack: Pack, folder: Path) -> list[Path]:
    """cover.csv, one file per cover table and per section (a section that is not available
    gets no file; the cover says so)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "cover.csv"]
    _write(written[0], ["item", "value"], [list(item) for item in pack.cover])
    tables: list[PackTable] = [*pack.cover_tables, *pack.sections]
    for table in tables:
        target = folder / f"{table.key}.csv"
        if not table.available:
            target.unlink(missing_ok=True)
            continue
        _write(target, [c.name for c in table.columns], table.rows)
        written.append(target)
    return written
