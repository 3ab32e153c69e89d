"""Vendor price files (CoinGecko, CoinMarketCap) from the landing folders."""

from orchestration.defs.landing import file_assets

price_files = file_assets(
    "prices",
    {
        "prices": "USD price per asset, time and source, with the vendor's convention "
        "(snapshot at ts, or OHLC close of the UTC day ending at ts); DECIMAL(38,6).",
    },
)
