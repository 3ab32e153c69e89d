"""The journal in the import layouts of three ERPs, written beside the pack's other CSV files.

Each layout's column names and order are the vendor's documented ones (the source is named on
each constant). Only the entity's own entries are exported: the client-asset memo lines are
off balance sheet (they stay in the generic `journal.csv`, with their `ownership`). Amounts
are the journal's cents, as booked; dates in the format each import expects.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reporting.close.tables import PackTable
from reporting.csv_safety import csv_safe_text

# Oracle NetSuite Help, "Journal Entry and Intercompany Journal Entry Header Fields Table"
# (External ID, Date, Subsidiary, Currency, Memo) and "... Line-Level Fields Table" (Account,
# Debit, Credit, Memo): the CSV Import Assistant's journal entry fields, header values repeated
# on every line, the lines of one entry sharing its External ID. Account is "number name"
# (the Use Account Numbers preference); Debit / Credit at most 2 decimals.
NETSUITE_COLUMNS = (
    "External ID",
    "Date",
    "Subsidiary",
    "Currency",
    "Memo",
    "Account",
    "Debit",
    "Credit",
    "Line Memo",
)
# QuickBooks Online Help (Intuit), "Import journal entries": Journal No., Journal Date, Account
# Name, Description, Debits, Credits; account names as in the chart of accounts (account
# numbers turned off for the import), dates MM/DD/YYYY. Journal No. is at most 21 characters:
# the period and the entry's number (its journal_id is in Description).
QUICKBOOKS_COLUMNS = (
    "Journal No.",
    "Journal Date",
    "Account Name",
    "Description",
    "Debits",
    "Credits",
)
# Xero Help, "Import manual journals" (help.xero.com/ManualJournalsImport): the manual journal
# template file's header, mandatory fields starred; rows with the same Narration and Date are
# one journal; Date dd/mm/yyyy; Amount positive for a debit, negative for a credit; a template
# file takes at most 300 lines.
XERO_COLUMNS = (
    "*Narration",
    "*Date",
    "Description",
    "*AccountCode",
    "*TaxRate",
    "*Amount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
)
XERO_TAX_RATE = "Tax Exempt"  # journals of digital-asset holdings carry no sales tax
XERO_MAX_LINES = 300
NUMERIC = {"Debit", "Credit", "Debits", "Credits", "*Amount"}


@dataclass(frozen=True)
class Layout:
    name: str  # the file is journal_<name>.csv
    columns: tuple[str, ...]
    line: Callable[[dict, int, str], list]  # (journal line, entry number, period) -> row
    per_entity: bool = False  # the import books one company: a file per entity
    max_lines: int | None = None  # lines one import file takes (entries are never split)


def _us_date(day: date) -> str:
    return f"{day:%m/%d/%Y}"


def _amount(value: object) -> str:
    return "" if value is None else format(Decimal(value), "f")


def _netsuite(line: dict, number: int, period: str) -> list:
    return [
        line["journal_id"],
        _us_date(line["entry_date"]),
        line["entity"],
        line["currency"],
        line["description"],
        f"{line['account_code']} {line['account_name']}",
        _amount(line["debit_usd"]),
        _amount(line["credit_usd"]),
        line["source"],
    ]


def _quickbooks(line: dict, number: int, period: str) -> list:
    return [
        f"{period}-{number:04d}",
        _us_date(line["entry_date"]),
        line["account_name"],
        f"{line['journal_id']}: {line['description']}",
        _amount(line["debit_usd"]),
        _amount(line["credit_usd"]),
    ]


def _xero(line: dict, number: int, period: str) -> list:
    signed = Decimal(line["debit_usd"] or 0) - Decimal(line["credit_usd"] or 0)
    return [
        f"{line['journal_id']}: {line['description']}",
        f"{line['entry_date']:%d/%m/%Y}",
        line["source"],
        line["account_code"],
        XERO_TAX_RATE,
        format(signed, "f"),
        "",
        "",
        "",
        "",
    ]


LAYOUTS = (
    Layout("netsuite", NETSUITE_COLUMNS, _netsuite),  # Subsidiary says the entity
    Layout("quickbooks_online", QUICKBOOKS_COLUMNS, _quickbooks, per_entity=True),
    Layout("xero", XERO_COLUMNS, _xero, per_entity=True, max_lines=XERO_MAX_LINES),
)


def own_lines(table: PackTable) -> list[dict]:
    """The journal's lines of the entity's own entries (not the client memo), as dicts."""
    names = [c.name for c in table.columns]
    lines = [dict(zip(names, row, strict=True)) for row in table.rows]
    return [line for line in lines if line.get("ownership", "operating") == "operating"]


def _files(lines: list[dict], layout: Layout) -> list[tuple[str, list[dict]]]:
    """(file name suffix, lines) per import file: one per entity when the layout books one
    company and the journal has several; parts of at most max_lines lines, whole entries."""
    entities = sorted({line["entity"] for line in lines})
    groups = [("", lines)]
    if layout.per_entity and len(entities) > 1:
        groups = [(f"_{e}", [x for x in lines if x["entity"] == e]) for e in entities]
    files = []
    for suffix, group in groups:
        parts: list[list[dict]] = [[]]
        entries: dict[str, list[dict]] = {}
        for line in group:
            entries.setdefault(line["journal_id"], []).append(line)
        for entry in entries.values():
            full = layout.max_lines and len(parts[-1]) + len(entry) > layout.max_lines
            if full and parts[-1]:
                parts.append([])
            parts[-1].extend(entry)
        if len(parts) == 1:
            files.append((suffix, parts[0]))
        else:
            files += [(f"{suffix}_part{i}", part) for i, part in enumerate(parts, 1)]
    return files


def _cell(value: object, numeric: bool) -> str:
    text = "" if value is None else str(value)
    return text if numeric else csv_safe_text(text) or ""


def write_erp_files(table: PackTable, period: str, folder: Path) -> list[Path]:
    """journal_netsuite.csv, journal_quickbooks_online.csv and journal_xero.csv in `folder`
    (none when the journal is not available). QuickBooks Online and Xero book one company:
    with several entities each gets its own file (`journal_xero_<entity>.csv`); a Xero file
    over its 300 lines is cut into parts between entries (`..._part1.csv`, ...)."""
    folder = Path(folder)
    lines = own_lines(table) if table.available else []
    numbers: dict[str, int] = {}
    for line in lines:  # one Journal No. per entry, in the period
        numbers.setdefault(line["journal_id"], len(numbers) + 1)
    written = []
    for layout in LAYOUTS:
        for stale in folder.glob(f"journal_{layout.name}*.csv"):
            stale.unlink()
        if not table.available:
            continue
        numeric = [c in NUMERIC for c in layout.columns]
        for suffix, group in _files(lines, layout):
            target = folder / f"journal_{layout.name}{suffix}.csv"
            with target.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(layout.columns)
                for line in group:
                    row = layout.line(line, numbers[line["journal_id"]], period)
                    writer.writerow([_cell(v, n) for v, n in zip(row, numeric, strict=True)])
            written.append(target)
    return written
