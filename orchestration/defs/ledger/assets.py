"""The operator's internal ledger export: entries per account, customers pseudonymised."""

from orchestration.defs.landing import file_assets

ledger_files = file_assets(
    "ledger",
    {
        "ledger_entries": "The operator's books: entries per ledger account with owner type "
        "(client | operating), entry type, signed amount and tx hash where known; customer ids "
        "are keyed pseudonyms, personal data is never loaded.",
    },
)
