"""The close pack's tables, built from a close's snapshot: the same tables go to the workbook,
the CSV files and the PDF summary.

A section whose mart the warehouse did not have at the close says "not available"; marts may
carry more columns than the DESIGN.md contract, and they are shown after the known ones.
A table's rows keep every amount exactly as the snapshot holds it (token units to 18 places,
USD to 6, base units as integers): the workbook and the PDF round for reading when they write
(`rounded`), the CSV files and the workbook's "(exact)" text columns carry the exact value.

Totals never add the entity's own holdings to its clients': a table with an `ownership` column
is totalled per ownership (`total_groups`), own (operating) first, client holdings after as
safeguarded, off balance sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from reporting.close.snapshot import Table

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
# kinds whose values are amounts: a rounded number for reading plus the exact value as text
AMOUNT_KINDS = frozenset({"token", "usd", "price"})
READING_PLACES = {"usd": CENT, "token": MICRO, "price": MICRO}
EXACT_SUFFIX = " (exact)"
ALL = object()  # `total` of every row: a sentinel no ownership value equals
OWN = "operating"
CLIENT = "client"
OWNERSHIP_TOTALS = {
    OWN: "Total own (operating)",
    CLIENT: "Total client (safeguarded, off balance sheet)",
}
PERIOD_COLUMNS = {"period", "period_type", "period_start_date", "period_end_date"}
LOCATION = [
    "entity",
    "network",
    "location_type",
    "location_id",
    "location_label",
    "custody_provider",
    "purpose",
    "ownership",
    "asset",
]
ROLLFORWARD_AMOUNTS = [
    "opening_balance",
    "inflows_external",
    "outflows_external",
    "transfers_in_internal",
    "transfers_out_internal",
    "mints",
    "burns",
    "fees",
    "unexplained_change",
    "closing_balance",
]
POSITION_AMOUNTS = ["balance", "pending_in", "pending_out", "frozen", "locked", "available"]
FAIR_VALUE = [
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
    "cost_basis_usd",
    "carrying_amount_usd",
    "unrealized_gain_loss_usd",
    "realized_gain_loss_usd",
]
FAIR_VALUE_TOTALS = [
    "units",
    "fair_value_usd",
    "cost_basis_usd",
    "carrying_amount_usd",
    "unrealized_gain_loss_usd",
    "realized_gain_loss_usd",
]
RECONCILIATION = [
    "break_id",
    "entity",
    "network",
    "location_type",
    "location_id",
    "comparison",
    "left_source",
    "right_source",
    "left_balance",
    "right_balance",
    "difference",
    "explained_in_transit",
    "unexplained_difference",
    "tolerance",
    "status",
    "owner",
    "break_opened_at",
    "opened_date",
    "break_age_days",
    "sla_status",
    "last_note",
]
RECONCILIATION_TOTALS = ["difference", "explained_in_transit", "unexplained_difference"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | date | datetime | token | usd | price | bps | ratio | int | raw | bool


@dataclass
class PackTable:
    key: str  # sheet and CSV name
    title: str
    columns: list[Column] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def available(self) -> bool:
        return bool(self.columns)

    def total(self, column: str, ownership: object = ALL) -> Decimal:
        """The exact sum of a column; of one ownership's rows when `ownership` is given."""
        i = [c.name for c in self.columns].index(column)
        rows = self.rows if ownership is ALL else self.rows_of(ownership)
        return sum((Decimal(r[i]) for r in rows if r[i] is not None), Decimal(0))

    def rows_of(self, ownership: object) -> list[list]:
        i = [c.name for c in self.columns].index("ownership")
        return [r for r in self.rows if r[i] == ownership]

    def total_groups(self) -> list[tuple[str, object]]:
        """The totals rows as (label, ownership): one per ownership present when the table
        has an `ownership` column (own first, then client, then any other value), so client
        holdings are never in the entity's own total; else one plain "Total" of every row."""
        names = [c.name for c in self.columns]
        if "ownership" not in names:
            return [("Total", ALL)]
        i = names.index("ownership")
        present = {r[i] for r in self.rows}
        others = sorted(present - {OWN, CLIENT}, key=lambda v: (v is None, str(v)))
        order = [v for v in (OWN, CLIENT) if v in present] + others
        return [(OWNERSHIP_TOTALS.get(v, f"Total ownership {v or 'unknown'}"), v) for v in order]


def column_kind(name: str, duck_type: str) -> str:
    kind = duck_type.upper()
    numeric = kind.startswith("DECIMAL") or kind in INTEGER_TYPES
    if numeric and name.endswith("_raw"):
        return "raw"  # base units (integer): exact text only, never a double
    if kind.startswith("DECIMAL"):
        if name == "price_usd" or name.endswith("_per_unit"):
            return "price"
        if name.endswith("_usd"):
            return "usd"
        if name.endswith("_bps"):
            return "bps"
        return "ratio" if "ratio" in name else "token"
    if kind in INTEGER_TYPES:
        return "int"
    if kind == "DATE":
        return "date"
    if kind.startswith("TIMESTAMP"):
        return "datetime"
    return "bool" if kind == "BOOLEAN" else "text"


INTEGER_TYPES = frozenset(
    {"BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "UHUGEINT"}
)


def rounded(value: object, kind: str) -> Decimal:
    """An amount rounded for reading (half up): USD to cents, token units and prices to six
    decimals. Only what a reader sees is rounded; the exact value stays beside it."""
    return Decimal(value).quantize(READING_PLACES.get(kind, MICRO), rounding=ROUND_HALF_UP)


def exact_text(value: object) -> str:
    """An amount's exact value as text: every digit, no exponent, never through a float."""
    if isinstance(value, float):
        raise TypeError(f"an amount must be exact (Decimal or int), got the float {value!r}")
    return format(Decimal(value), "f")


def render_value(value: object, kind: str) -> object:
    """A snapshot value as the pack holds it: amounts exact, times in UTC text."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.isoformat(sep=" ")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "date" and isinstance(value, date):
        return value
    return value


def from_table(
    key: str,
    title: str,
    table: Table | None,
    *,
    preferred: list[str] | None = None,
    totals: list[str] | None = None,
    sort: list[str] | None = None,
    where=None,
    hide: set[str] | frozenset[str] = frozenset(),
    missing: str = "",
) -> PackTable:
    """A pack table from a snapshot table: known columns first, extras after, rows sorted."""
    if table is None:
        return PackTable(key, title, note=missing or f"not available: no {key} in the warehouse")
    types = dict(table.columns)
    order = [c for c in (preferred or []) if c in types]
    order += [c for c, _ in table.columns if c not in order and c not in hide]
    rows = [r for r in table.dicts() if where is None or where(r)]
    keys = [c for c in (sort or order) if c in types]
    rows.sort(key=lambda r: tuple(_sort_key(r[c]) for c in keys))
    columns = [Column(c, column_kind(c, types[c])) for c in order]
    body = [[render_value(r[c.name], c.kind) for c in columns] for r in rows]
    note = "" if body else "no rows for this period"
    return PackTable(key, title, columns, body, [t for t in totals or [] if t in types], note)


def _sort_key(value: object) -> tuple:
    """Nulls last; values of one column compare as themselves (numbers as numbers)."""
    return (value is None, "" if value is None else value)
