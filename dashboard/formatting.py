"""Numbers for people: exact token units and USD with thousands separators, never 1e+06."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl


def token_units(value: Decimal | int | None) -> str:
    """Exact token units: all significant decimals, thousands separators, no exponent."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), ",f")
    return text


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


def percent(value: Decimal | int | None) -> str:
    """A share or ratio as an exact percentage: Decimal('0.125') -> '12.5%'."""
    if value is None:
        return ""
    return f"{token_units(Decimal(value) * 100)}%"


def format_table(
    df: pl.DataFrame,
    token_columns=(),
    usd_columns=(),
    percent_columns=(),
    price_columns=(),
) -> pl.DataFrame:
    """Render money columns as exact strings so no widget turns them into floats."""
    formatters = {
        **{c: usd_price for c in price_columns},
        **{c: percent for c in percent_columns},
        **{c: usd for c in usd_columns},
        **{c: token_units for c in token_columns},
    }
    exprs = []
    for column in df.columns:
        if column in formatters:
            exprs.append(pl.col(column).map_elements(formatters[column], return_dtype=pl.String))
        elif isinstance(df.schema[column], pl.Decimal):  # any other exact amount or count
            exprs.append(pl.col(column).map_elements(token_units, return_dtype=pl.String))
        elif df.schema[column] == pl.Date:
            exprs.append(pl.col(column).dt.strftime("%Y-%m-%d"))
        else:
            exprs.append(pl.col(column))
    return df.select(exprs)
