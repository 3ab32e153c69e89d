"""Off-chain files: custodian statements, exchange exports, the internal ledger and prices.

Each format has its own small adapter module (`custodians/fireblocks.py`, `exchanges/kraken.py`,
...) that turns a file's bytes into typed rows or rejects the whole file with the row, column and
reason of every problem; `load.py` records each file in `audit.files` and writes the rows to
`raw` with their provenance. Nothing here imports Dagster.
"""
