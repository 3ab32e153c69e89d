"""Custodian statement adapters: one module per custodian layout."""
