"""The close pack's tables as HTML for the PDF: a `<thead>` that WeasyPrint repeats on every
page, rows that never split across pages (reporting/close/pdf.py's CSS), own and client totals
kept with the table's last rows, and a row cap that says how many rows it leaves to the workbook.

Amounts are rounded for reading (USD to cents, token units and prices to six decimals); the
workbook's exact twins and the CSV files carry every digit.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape

from reporting.close.tables import ALL, READING_PLACES, Column, PackTable, exact_text, rounded

MAX_ROWS = 40  # the default cap; the workbook and CSV files carry every row
WIDE_COLUMNS = 9  # a table with more columns is set in a smaller type to fit the page
NUMERIC = frozenset({"token", "usd", "price", "bps", "ratio", "int", "raw"})
# the columns the summary shows of the wide tables (the workbook and CSV files have them all);
# a table not named here (the journal, the register, ...) shows every column it has
SUMMARY_COLUMNS = {
    "fair_value": [
        "entity",
        "ownership",
        "asset",
        "measurement_basis",
        "units",
        "price_usd",
        "price_source",
        "price_observed_at",
        "depeg_bps",
        "fair_value_usd",
        "carrying_amount_usd",
        "unrealized_gain_loss_usd",
        "realized_gain_loss_usd",
    ],
    "breaks": [
        "break_id",
        "network",
        "location_id",
        "comparison",
        "unexplained_difference",
        "status",
        "owner",
        "opened_date",
        "break_age_days",
        "sla_status",
    ],
    "in_transit": ["network", "location_id", "comparison", "difference", "explained_in_transit"],
    "adjustments": [
        "closed_period",
        "network",
        "location_id",
        "comparison_or_measure",
        "closed_value",
        "live_value",
        "adjustment",
    ],
    "positions": [
        "entity",
        "network",
        "location_type",
        "location_id",
        "location_label",
        "purpose",
        "ownership",
        "balance",
        "pending_in",
        "pending_out",
        "frozen",
        "locked",
        "available",
    ],
    "client_assets": [
        "entity",
        "network",
        "client_locations",
        "client_holdings",
        "client_liabilities",
        "coverage_ratio",
        "shortfall",
        "is_covered",
    ],
    "cutoff_blocks": ["network", "chain_id", "block_date", "block_number", "block_hash"],
    "checks": ["check_name", "severity", "status", "detail"],
    "source_files": ["source", "file_name", "status", "sha256"],
}


def fmt(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "raw":
        return exact_text(value)
    if isinstance(value, Decimal):
        if kind in READING_PLACES:  # rounded for reading, half up (the CSV files are exact)
            return f"{rounded(value, kind):,f}"
        return format(value, "f")
    return escape(str(value))


def project(table: PackTable, names: list[str] | None) -> PackTable:
    """The table with only the named columns (those it has), totals kept where shown."""
    if not table.available or names is None:
        return table
    index = [i for i, c in enumerate(table.columns) if c.name in names]
    index.sort(key=lambda i: names.index(table.columns[i].name))
    columns = [table.columns[i] for i in index]
    rows = [[row[i] for i in index] for row in table.rows]
    totals = [t for t in table.totals if t in {c.name for c in columns}]
    return PackTable(table.key, table.title, columns, rows, totals, table.note)


def more_rows_note(shown: int, total: int) -> str:
    more = total - shown
    if more <= 0:
        return ""
    return (
        f'<p class="note more">{more} more rows in the workbook and CSV files '
        f"({shown} of {total} shown here)</p>"
    )


def _has_values(table: PackTable, column: str, ownership: object) -> bool:
    """Whether a total has anything to add: a column without values (client holdings are not
    measured at cost) totals to blank, not to 0."""
    i = [c.name for c in table.columns].index(column)
    rows = table.rows if ownership is ALL else table.rows_of(ownership)
    return any(r[i] is not None for r in rows)


def html_table(
    table: PackTable, limit: int | None = MAX_ROWS, *, columns: list[str] | None = None
) -> str:
    """A table with its header in `<thead>` (repeated on every page), its rows (the first
    `limit`, or all when None) and its totals (own and client apart) kept with the last row."""
    table = project(table, columns if columns is not None else SUMMARY_COLUMNS.get(table.key))
    note = f'<p class="note">{escape(table.note)}</p>' if table.note and table.rows else ""
    if not table.available or not table.rows:
        return f'<p class="note">{escape(table.note or "none")}</p>'
    cls = [' class="n"' if c.kind in NUMERIC else "" for c in table.columns]
    head = "".join(
        f"<th{k}>{escape(c.name.replace('_', ' '))}</th>"
        for c, k in zip(table.columns, cls, strict=True)
    )
    shown = table.rows if limit is None else table.rows[:limit]
    body = []
    for row in shown:
        cells = zip(row, table.columns, cls, strict=True)
        body.append(
            "<tr>" + "".join(f"<td{k}>{fmt(v, c.kind)}</td>" for v, c, k in cells) + "</tr>"
        )
    # the total's label spans the leading columns that have no total
    names = [c.name for c in table.columns]
    span = next((i for i, n in enumerate(names) if n in table.totals), len(names))
    for label, ownership in table.total_groups() if table.totals else []:
        # own and client holdings totalled apart, never added together
        cells = [f'<td colspan="{span}">{escape(label)}</td>'] if span else []
        for column, k in list(zip(table.columns, cls, strict=True))[span:]:
            total = column.name in table.totals and _has_values(table, column.name, ownership)
            value = table.total(column.name, ownership) if total else None
            cells.append(f"<td{k}>{fmt(value, column.kind)}</td>")
        body.append('<tr class="total">' + "".join(cells) + "</tr>")
    wide = " wide" if len(table.columns) > WIDE_COLUMNS else ""
    return (
        f'<table class="data{wide}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f"{more_rows_note(len(shown), len(table.rows))}{note}"
    )


def summarise(table: PackTable, by: list[str], measures: list[str], title: str) -> PackTable:
    """Sum the measures of a section per group (exact Decimal sums)."""
    if not table.available:
        return PackTable(table.key, title, note=table.note)
    names = [c.name for c in table.columns]
    kinds = dict(zip(names, (c.kind for c in table.columns), strict=True))
    by = [b for b in by if b in names]
    measures = [m for m in measures if m in names]
    groups: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(measures))
    for row in table.rows:
        key = tuple(row[names.index(b)] for b in by)
        for i, m in enumerate(measures):
            groups[key][i] += row[names.index(m)] or Decimal(0)
    columns = [Column(b, "text") for b in by] + [Column(m, kinds[m]) for m in measures]
    rows = [list(k) + v for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))]
    return PackTable(table.key, title, columns, rows, measures)
