"""Exchange exports from the landing folders: ledger entries (and running balances)."""

from orchestration.defs.landing import file_assets

exchange_files = file_assets(
    "exchange",
    {
        "exchange_entries": "Exchange ledger entries per account (Kraken ledgers, Coinbase "
        "transaction history, Binance deposit/withdrawal history): venue entry id, type, "
        "signed amount, fee, balance, USD value of conversions, network and tx hash where the "
        "venue gives them.",
    },
)
