"""Exchange exports from the landing folders: ledger entries (and running balances) and
balance snapshots (the anchors of layouts without a running balance)."""

from orchestration.defs.landing import file_assets

exchange_files = file_assets(
    "exchange",
    {
        "exchange_entries": "Exchange ledger entries per account (Kraken ledgers, Coinbase "
        "transaction history and Exchange statement, Binance statement and deposit/withdrawal "
        "history, Bitstamp, Gemini, OKX, mapped layouts): venue entry id, type, signed amount, "
        "fee, balance, USD value of conversions, network and tx hash where the venue gives them.",
        "exchange_balances": "Exchange balance snapshots per account and asset as of a time "
        "(canonical balances CSVs through files.balance_layouts): the anchors of accounts "
        "whose entries carry no running balance.",
    },
)
