"""The close pack as an Excel workbook (xlsxwriter): a cover, then one sheet per section.

Excel holds doubles (15-16 significant digits), so an amount is written twice: a number cell
rounded for reading (USD to cents, token units and prices to six decimals, half up), and right
after it a text column `<column> (exact)` with the exact value as closed. Base-unit columns
(`*_raw`, integers of up to 38 digits) are exact text only. Headers are frozen, and a section's
totals are formulas over the rounded number cells carrying their cached values (so a reader that
does not recalculate sees figures that tie to the rows), with the exact sum as text beside them.
A table with an `ownership` column is totalled per ownership (SUMIFS): the entity's own
holdings, and client holdings apart as safeguarded, off balance sheet. The workbook's
properties and every order come from the snapshot, so re-rendering gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from reporting.close.pack import Pack
from reporting.close.tables import (
    AMOUNT_KINDS,
    EXACT_SUFFIX,
    Column,
    PackTable,
    exact_text,
    rounded,
)

FORMATS = {
    "token": "#,##0.000000",
    "usd": "#,##0.00",
    "price": "0.000000",
    "bps": "0.00",
    "ratio": "0.000000",
    "int": "0",
    "date": "yyyy-mm-dd",
}
SHEET_NAMES = {
    "rollforward": "Roll-forward",
    "positions": "Positions",
    "fair_value": "Fair value",
    "reconciliation": "Reconciliation",
    "breaks": "Breaks",
    "in_transit": "In transit",
    "concentration": "Concentration",
    "health": "Health",
    "client_assets": "Client assets",
    "journal": "Journal",
    "adjustments": "Adjustments",
    "rollforward_usd": "Roll-forward USD",
    "wallet_register": "Wallet register",
    "comparison": "Period comparison",
}
HEADER_ROW = 3  # title, note, blank, then the header


def cached_number(value: Decimal) -> Decimal:
    """A formula's cached value as xlsxwriter writes numbers (16 significant digits). A
    Decimal, not a str: xlsxwriter marks a str result as text (t="str")."""
    return Decimal(f"{value:.16G}")


class _Writer:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.book = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.note = workbook.add_format({"italic": True, "font_color": "#555555"})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True}
        )
        self.label = workbook.add_format({"bold": True})
        self.number = {k: workbook.add_format({"num_format": v}) for k, v in FORMATS.items()}
        self.total = {
            k: workbook.add_format({"num_format": v, "bold": True, "top": 1})
            for k, v in FORMATS.items()
        }
        self.total_label = workbook.add_format({"bold": True, "top": 1})
        self.exact_text = workbook.add_format({"align": "right"})  # digits line up
        self.total_exact = workbook.add_format({"bold": True, "top": 1, "align": "right"})

    def cell(self, sheet, row: int, col: int, value: object, kind: str) -> None:
        if value is None:
            sheet.write_blank(row, col, None)
        elif kind == "raw":
            sheet.write_string(row, col, exact_text(value), self.exact_text)  # base units: text
        elif kind in AMOUNT_KINDS and isinstance(value, Decimal | int):
            sheet.write_number(row, col, rounded(value, kind), self.number[kind])
        elif kind in FORMATS and kind != "date" and isinstance(value, Decimal | int):
            sheet.write_number(row, col, value, self.number[kind])
        elif kind == "date":
            sheet.write_datetime(row, col, value, self.number["date"])
        else:
            sheet.write_string(row, col, str(value))

    def exact(self, sheet, row: int, col: int, value: object) -> None:
        if value is None:
            sheet.write_blank(row, col, None)
        else:
            sheet.write_string(row, col, exact_text(value), self.exact_text)

    def table(self, sheet, top: int, table: PackTable, *, freeze: bool) -> int:
        """Write header, rows and the totals rows from `top`; return the next free row."""
        layout = sheet_columns(table)
        sheet.write_row(top, 0, [name for name, _, _ in layout], self.header)
        for i, (name, column, exact) in enumerate(layout):
            if exact or column.kind == "raw":
                width = max(len(name), 26)
            else:
                width = max(len(name), 10) if column.kind != "text" else 18
            sheet.set_column(i, i, min(width + 2, 48))
        if freeze:
            sheet.freeze_panes(top + 1, 0)
        index = {c.name: i for i, c in enumerate(table.columns)}
        first = top + 1
        for r, row in enumerate(table.rows):
            for c, (_, column, exact) in enumerate(layout):
                value = row[index[column.name]]
                if exact:
                    self.exact(sheet, first + r, c, value)
                else:
                    self.cell(sheet, first + r, c, value, column.kind)
        last = first + len(table.rows) - 1
        if table.rows:
            sheet.autofilter(top, 0, last, len(layout) - 1)
        if not (table.totals and table.rows):
            return last + 2
        position = {(column.name, exact): i for i, (_, column, exact) in enumerate(layout)}
        owner = position.get(("ownership", False))
        total_row = last
        for label, ownership in table.total_groups():
            total_row += 1
            sheet.write_string(total_row, 0, label, self.total_label)
            for name in table.totals:
                col = position[(name, False)]
                kind = table.columns[index[name]].kind
                letter = xl_col_to_name(col)
                cells = f"{letter}{first + 1}:{letter}{last + 1}"
                if owner is None:
                    formula = f"=SUM({cells})"
                    rows = table.rows
                else:
                    own = xl_col_to_name(owner)
                    match = "=" if ownership is None else str(ownership).replace('"', '""')
                    formula = f'=SUMIFS({cells},{own}{first + 1}:{own}{last + 1},"{match}")'
                    rows = table.rows_of(ownership)
                shown = sum(
                    (
                        rounded(r[index[name]], kind) if kind in AMOUNT_KINDS else r[index[name]]
                        for r in rows
                        if r[index[name]] is not None
                    ),
                    Decimal(0),
                )  # what the formula adds: the number cells as written
                sheet.write_formula(
                    total_row,
                    col,
                    formula,
                    self.total.get(kind, self.total["token"]),
                    cached_number(shown),
                )
                if (name, True) in position:
                    sheet.write_string(
                        total_row,
                        position[(name, True)],
                        exact_text(table.total(name, ownership)),
                        self.total_exact,
                    )
        return total_row + 2


def sheet_columns(table: PackTable) -> list[tuple[str, Column, bool]]:
    """The workbook's columns of a table as (header, column, is the exact twin): each amount
    column is followed by its `<column> (exact)` text column."""
    layout: list[tuple[str, Column, bool]] = []
    for column in table.columns:
        layout.append((column.name, column, False))
        if column.kind in AMOUNT_KINDS:
            layout.append((column.name + EXACT_SUFFIX, column, True))
    return layout


def _section(writer: _Writer, table: PackTable) -> None:
    sheet = writer.book.add_worksheet(SHEET_NAMES.get(table.key, table.key[:31]))
    sheet.write_string(0, 0, table.title, writer.title)
    if table.note:
        sheet.write_string(1, 0, table.note, writer.note)
    if table.available:
        writer.table(sheet, HEADER_ROW, table, freeze=True)


def _cover(writer: _Writer, pack: Pack) -> None:
    sheet = writer.book.add_worksheet("Cover")
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 70)
    sheet.write_string(0, 0, f"USD1 close pack {pack.period.name}", writer.title)
    row = 2
    for label, value in pack.cover:
        sheet.write_string(row, 0, label, writer.label)
        sheet.write_string(row, 1, value)
        row += 1
    unavailable = [t.title for t in pack.sections if not t.available]
    sheet.write_string(row, 0, "Not available", writer.label)
    sheet.write_string(row, 1, ", ".join(unavailable) or "every section has its mart")
    row += 2
    for table in pack.cover_tables:
        sheet.write_string(row, 0, table.title, writer.label)
        if table.note:
            sheet.write_string(row, 1, table.note, writer.note)
        row += 1
        if table.available:
            row = writer.table(sheet, row, table, freeze=False)
        else:
            row += 1


def write_workbook(pack: Pack, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    closed_at = pack.closed.closed_at.astimezone(UTC).replace(tzinfo=None)
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {
            "title": f"USD1 close pack {pack.period.name}",
            "subject": f"Period-end close {pack.period.name} ({pack.closed.close_id})",
            "author": pack.closed.closed_by,
            "company": pack.closed.entities,
            "comments": f"content hash {pack.closed.content_hash}",
            "created": closed_at,
        }
    )
    workbook.set_calc_mode("auto")
    writer = _Writer(workbook)
    _cover(writer, pack)
    for table in pack.sections:
        _section(writer, table)
    workbook.close()
    return path
