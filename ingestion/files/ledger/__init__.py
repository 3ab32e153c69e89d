"""The operator's internal ledger export."""
