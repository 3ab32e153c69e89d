"""CoinGecko coin page "Historical Data" CSV export.

Layout (FORMATS.md §4.1): ``snapped_at,price,market_cap,total_volume``; ``snapped_at`` is
``YYYY-MM-DD HH:MM:SS UTC`` (normally 00:00:00: one daily **snapshot**, stored with convention
``snapshot`` at that instant, never relabelled as the previous day's close); values are USD
floats printed with binary noise (``0.9999999999999998``, exponents possible). They are parsed as
decimals from their text and rounded half-even to DECIMAL(38,6) (the text is kept in
``price_text``). ``market_cap`` 0 means unknown and is stored as null. The file does not name the
coin: ``files.prices.series`` maps the file name (e.g. ``usd1-usd-max.csv``) to an asset.
"""

from __future__ import annotations

from datetime import UTC

from ingestion.files.adapters import ParseContext, Parsed, empty_file, optional_cell, parse_cell
from ingestion.files.prices.series import asset_for_file, price_key
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import USD_SCALE, NumberStyle, parse_decimal, parse_format

REQUIRED = ["snapped_at", "price", "market_cap", "total_volume"]
FLOAT = NumberStyle(exponent=True)


def _time(text: str | None):
    raw = (text or "").strip()
    if not raw.endswith(" UTC"):
        from ingestion.files.problems import CellError

        raise CellError("expected 'YYYY-MM-DD HH:MM:SS UTC'")
    return parse_format(raw[:-4], "%Y-%m-%d %H:%M:%S", UTC)


def _usd(errors, n, column, text, required=True):
    parse = parse_cell if required else optional_cell
    return parse(
        errors, n, column, text, parse_decimal, FLOAT, scale=USD_SCALE, round_to_scale=True
    )


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    asset = asset_for_file(ctx)
    table = read_csv(decode(data), delimiter=",", required=REQUIRED)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, times, seen = [], [], {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        ts = parse_cell(errors, n, "snapped_at", get("snapped_at"), _time)
        price = _usd(errors, n, "price", get("price"))
        cap = _usd(errors, n, "market_cap", get("market_cap"), required=False)
        volume = _usd(errors, n, "total_volume", get("total_volume"), required=False)
        if price is not None and price <= 0:
            errors.add(n, "price", get("price"), "a price must be positive")
            continue
        if ts is None or price is None:
            continue
        if ts in seen:
            errors.add(n, "snapped_at", get("snapped_at"), f"same time as row {seen[ts]}")
            continue
        seen[ts] = n
        times.append(ts)
        rows.append(
            {
                "row_number": n,
                "asset": asset,
                "ts": ts,
                "convention": "snapshot",
                "price_usd": price,
                "price_text": get("price").strip(),
                "open_usd": None,
                "high_usd": None,
                "low_usd": None,
                "market_cap_usd": cap or None,
                "volume_usd": volume,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("prices", rows, price_key(ctx, asset, times), rows_in)
