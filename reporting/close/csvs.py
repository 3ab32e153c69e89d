"""The close pack's tables as CSV files: exact values (every decimal in full, as closed; base
units as integers). Only the journal's entries are in cents, as booked."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from reporting.close.erp_exports import write_erp_files
from reporting.close.pack import Pack
from reporting.close.tables import PackTable
from reporting.csv_safety import csv_safe_text

NUMERIC_KINDS = {"token", "usd", "price", "bps", "ratio", "int", "raw"}


def csv_value(value: object, numeric: bool = False) -> str:
    """A cell's exact value. A text cell a spreadsheet would read as a formula gets a leading
    `'` (reporting/csv_safety.py); a number, or any cell of a numeric column, stays as it is
    (a negative amount is a number)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if numeric else csv_safe_text(str(value)) or ""


def _write(path: Path, header: list[str], rows: list[list], kinds: list[str] | None = None) -> None:
    numeric = [kind in NUMERIC_KINDS for kind in kinds or [""] * len(header)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([csv_safe_text(h) for h in header])
        writer.writerows(
            [csv_value(v, n) for v, n in zip(row, numeric, strict=False)] for row in rows
        )


def write_csvs(pack: Pack, folder: Path) -> list[Path]:
    """cover.csv, one file per cover table and per section (a section that is not available
    gets no file; the cover says so), and the journal in the NetSuite, QuickBooks Online and
    Xero import layouts (reporting/close/erp_exports.py)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "cover.csv"]
    _write(written[0], ["item", "value"], [list(item) for item in pack.cover])
    tables: list[PackTable] = [*pack.cover_tables, *pack.sections]
    for table in tables:
        target = folder / f"{table.key}.csv"
        if table.key == "journal":  # the same entries in the ERPs' import layouts
            written += write_erp_files(table, pack.period.name, folder)
        if not table.available:
            target.unlink(missing_ok=True)
            continue
        _write(target, [c.name for c in table.columns], table.rows, [c.kind for c in table.columns])
        written.append(target)
    return written
