"""CoinMarketCap "Historical Data" CSV export.

Layout (FORMATS.md §4.2): **semicolon**-separated ``timeOpen;timeClose;timeHigh;timeLow;name;
open;high;low;close;volume;marketCap;timestamp`` (newer files add ``circulatingSupply`` before
``timestamp``, may start with a UTF-8 BOM and quote the time cells). Times are ISO-8601 UTC;
each row is the OHLC of a UTC day, stored at ``timeClose`` with convention ``ohlc_close``
(``price_usd`` = close). ``name`` is a CoinMarketCap id, not the coin: ``files.prices.series``
maps the file name to an asset. USD values are rounded half-even to DECIMAL(38,6).
"""

from __future__ import annotations

from ingestion.files.adapters import ParseContext, Parsed, empty_file, optional_cell, parse_cell
from ingestion.files.prices.series import asset_for_file, price_key
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import USD_SCALE, NumberStyle, parse_decimal, parse_iso

REQUIRED = ["timeOpen", "timeClose", "open", "high", "low", "close"]
OPTIONAL = ["timeHigh", "timeLow", "name", "volume", "marketCap", "circulatingSupply", "timestamp"]
FLOAT = NumberStyle(exponent=True)


def _usd(errors, n, column, text, required=True):
    parse = parse_cell if required else optional_cell
    return parse(
        errors, n, column, text, parse_decimal, FLOAT, scale=USD_SCALE, round_to_scale=True
    )


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    asset = asset_for_file(ctx)
    table = read_csv(decode(data), delimiter=";", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, times, seen = [], [], {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        ts = parse_cell(errors, n, "timeClose", get("timeClose"), parse_iso)
        parse_cell(errors, n, "timeOpen", get("timeOpen"), parse_iso)
        values = {c: _usd(errors, n, c, get(c)) for c in ("open", "high", "low", "close")}
        volume = _usd(errors, n, "volume", get("volume"), required=False)
        cap = _usd(errors, n, "marketCap", get("marketCap"), required=False)
        if values["close"] is not None and values["close"] <= 0:
            errors.add(n, "close", get("close"), "a price must be positive")
            continue
        if ts is None or any(v is None for v in values.values()):
            continue
        if ts in seen:
            errors.add(n, "timeClose", get("timeClose"), f"same time as row {seen[ts]}")
            continue
        seen[ts] = n
        times.append(ts)
        rows.append(
            {
                "row_number": n,
                "asset": asset,
                "ts": ts,
                "convention": "ohlc_close",
                "price_usd": values["close"],
                "price_text": get("close").strip(),
                "open_usd": values["open"],
                "high_usd": values["high"],
                "low_usd": values["low"],
                "market_cap_usd": cap or None,
                "volume_usd": volume,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("prices", rows, price_key(ctx, asset, times), rows_in)
