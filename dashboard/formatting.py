"""Numbers and names for people, per column: USD to the cent, token units to 2 decimals (all of
them on request), shares as percentages with 2 decimals, counts as integers, blanks for
missing values, human column labels and short addresses. Amounts stay Decimal until here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

import polars as pl

TOKEN_PLACES = 2  # token units shown by default; the sidebar toggle shows every decimal
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$")  # an address or a tx hash


def token_units(value: Decimal | int | None, places: int | None = None) -> str:
    """Token units with thousands separators, no exponent: `places` decimals (rounded half to
    even), or every significant decimal when `places` is None (exact)."""
    if value is None:
        return ""
    value = Decimal(value)
    if places is not None:
        return format(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN), ",f")
    if value == 0:
        return "0"
    return format(value.normalize(), ",f")


def tokens(value: Decimal | int | None, all_decimals: bool = False) -> str:
    """Token units as the dashboard shows them: 2 decimals, or all of them (the toggle)."""
    return token_units(value, None if all_decimals else TOKEN_PLACES)


def usd(value: Decimal | int | None) -> str:
    """USD rounded to cents for display only (the marts keep DECIMAL(38,6))."""
    if value is None:
        return ""
    cents = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"${cents:,.2f}" if cents >= 0 else f"-${-cents:,.2f}"


def usd_price(value: Decimal | int | None) -> str:
    """A USD price, exact (a depeg of 0.9998 must not show as $1.00)."""
    if value is None:
        return ""
    text = token_units(value)
    return f"-${text[1:]}" if text.startswith("-") else f"${text}"


def percent(value: Decimal | int | None, places: int = 2) -> str:
    """A share or ratio as a percentage with `places` decimals: Decimal('0.125') -> '12.50%'.

    Cut toward zero, never rounded up: a coverage of 99.997 % shows 99.99 %, not a 100 % that
    would hide a shortfall."""
    if value is None:
        return ""
    shown = (Decimal(value) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return f"{shown:,f}%"


def count(value: int | Decimal | None) -> str:
    """A count: an integer with thousands separators."""
    if value is None:
        return ""
    return f"{int(value):,}"


def short_address(value: str | None) -> str:
    """0xaaaa…aaaa for a 40-hex-digit address (or a 64-digit hash); other ids as they are."""
    if value is None:
        return ""
    text = str(value)
    if ADDRESS_RE.match(text):
        return f"{text[:6]}…{text[-4:]}"
    return text


def timestamp(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


# columns whose name says what they are; anything else gets a label from its name
LABELS = {
    "as_of_date": "As of",
    "location_id": "Location",
    "location_label": "Location name",
    "location_type": "Location type",
    "custody_provider": "Custody provider",
    "pending_in": "Pending in",
    "pending_out": "Pending out",
    "transfers_vs_balanceof": "Transfers vs balanceOf",
    "is_period_complete": "Period complete",
    "is_open": "Open",
    "is_overdue": "Overdue",
    "is_covered": "Covered",
    "is_final": "Final",
    "is_day_complete": "Day complete",
    "is_reopened": "Reopened",
    "break_age_days": "Break age (days)",
    "age_days": "Age (days)",
    "sla_status": "SLA",
    "max_break_age_days": "SLA (days)",
    "depeg_bps": "Depeg (bps)",
    "price_usd": "Price (USD)",
    "tx_hash": "Transaction",
    "hours_since_last_load": "Hours since last load",
    "days_behind_publish": "Days behind publish",
    "median_transfer_latency_seconds": "Median transfer latency (s)",
    "explained_in_transit": "Explained in transit",
    "unexplained_difference": "Unexplained difference",
    "in_transit_item_count": "In-transit items (count)",
    "in_transit_total": "In transit",
    "in_transit_items": "In-transit items",
    "content_hash": "Content hash",
    "transfer_count": "Transfers",
    "location_count": "Locations",
}
SUFFIXES = (
    ("_usd", " (USD)"),
    ("_bps", " (bps)"),
    ("_days", " (days)"),
    ("_hours", " (hours)"),
    ("_seconds", " (s)"),
    ("_at", " (UTC)"),
    ("_date", ""),
    ("_count", " (count)"),
)
ACRONYMS = {"usd": "USD", "sla": "SLA", "id": "id", "fifo": "FIFO", "tx": "tx"}


def label(column: str) -> str:
    """A human label for a column name: `break_opened_at` -> 'Break opened (UTC)'."""
    if column in LABELS:
        return LABELS[column]
    name, unit = column, ""
    if name.startswith("is_"):
        name = name[3:]
    for suffix, shown in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], shown
            break
    words = [ACRONYMS.get(w, w) for w in name.split("_") if w]
    if not words:
        return column
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]]) + unit


INTEGER_TYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
# integers that are names, not quantities: no thousands separators
ID_LIKE = re.compile(r"(_number|_id|_index|_seq|^chain_id|^block|year)$")


def _kind(column: str, dtype, kinds: dict[str, set[str]]) -> str:
    for kind, columns in kinds.items():
        if column in columns:
            return kind
    if isinstance(dtype, pl.Decimal):
        return "token"  # any other exact amount
    if dtype in INTEGER_TYPES or dtype == pl.Int128:
        return "id" if ID_LIKE.search(column) else "count"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    if dtype == pl.Boolean:
        return "bool"
    if isinstance(dtype, pl.Float32 | pl.Float64) or dtype in (pl.Float32, pl.Float64):
        return "number"
    return "text"


NUMERIC_KINDS = {"token", "usd", "percent", "price", "count", "id", "number"}


def column_kinds(
    df: pl.DataFrame,
    token_columns=(),
    usd_columns=(),
    percent_columns=(),
    price_columns=(),
) -> dict[str, str]:
    """Each column's kind: token | usd | percent | price | count | id | date | timestamp |
    bool | number | text (numbers are right-aligned)."""
    kinds = {
        "price": set(price_columns),
        "percent": set(percent_columns),
        "usd": set(usd_columns),
        "token": set(token_columns),
    }
    return {c: _kind(c, df.schema[c], kinds) for c in df.columns}


def _formatter(kind: str, all_decimals: bool):
    return {
        "token": lambda v: tokens(v, all_decimals),
        "usd": usd,
        "percent": percent,
        "price": usd_price,
        "count": count,
        "id": lambda v: "" if v is None else str(v),
        "number": lambda v: "" if v is None else f"{v:,.2f}",
        "timestamp": timestamp,
        "bool": lambda v: "" if v is None else ("yes" if v else "no"),
    }.get(kind)


def format_table(
    df: pl.DataFrame,
    token_columns=(),
    usd_columns=(),
    percent_columns=(),
    price_columns=(),
    all_decimals: bool = False,
) -> pl.DataFrame:
    """Every column as text people read (no widget turns money into floats): per-column
    precision, blanks instead of None, dates as ISO days."""
    kinds = column_kinds(df, token_columns, usd_columns, percent_columns, price_columns)
    exprs = []
    for column, kind in kinds.items():
        if kind == "date":
            expr = pl.col(column).dt.strftime("%Y-%m-%d")
        elif kind == "text" and df.schema[column] == pl.String:
            expr = pl.col(column)
        elif kind == "text":
            expr = pl.col(column).map_elements(str, return_dtype=pl.String, skip_nulls=True)
        else:
            expr = pl.col(column).map_elements(
                _formatter(kind, all_decimals), return_dtype=pl.String, skip_nulls=True
            )
        exprs.append(expr.fill_null("").alias(column))
    return df.select(exprs)
