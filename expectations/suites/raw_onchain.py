"""Integrity suites for the on-chain raw tables: transfers, balanceOf snapshots, day blocks.

Blocking: a duplicate log, a malformed address or a gap in the day-to-block mapping means the
inventory built on them cannot be trusted.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete, lower_hex, not_negative, not_null

TRANSFER_KEY = ("chain_id", "tx_hash", "log_index")
BALANCE_KEY = ("chain_id", "token_address", "address", "block_date", "period_type")
DAY_BLOCK_KEY = ("network", "block_date")


def transfers() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(TRANSFER_KEY),
        *not_null(["network", "token_address", "block_number", "block_hash", "block_time"]),
        *not_null(["from_address", "to_address", "amount_raw", "is_final"]),
        lower_hex(["token_address", "from_address", "to_address"], 40, "addresses"),
        lower_hex(["tx_hash", "block_hash"], 64, "hashes"),
        not_negative(["amount_raw", "block_number", "log_index"]),
    ]


def balances() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(BALANCE_KEY),
        *not_null(["network", "block_number", "block_time", "balance_raw", "is_final"]),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="period_type", value_set=["day", "month"]
        ),
        lower_hex(["token_address", "address"], 40, "addresses"),
        not_negative(["balance_raw", "block_number"]),
    ]


def day_blocks() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(DAY_BLOCK_KEY),
        *not_null(["chain_id", "is_day_complete", "is_final"]),
        unexpected_rows(
            "days are contiguous per network (no missing day between the first and the last)",
            "select * from (select *, lag(block_date) over (partition by network"
            " order by block_date) as previous_date from {batch})"
            " where previous_date is not null and block_date <> previous_date + 1",
        ),
        unexpected_rows(
            "a day's blocks follow the previous day's (first_block = last block before + 1)",
            "select * from (select *, max(last_block) over (partition by network"
            " order by block_date rows between unbounded preceding and 1 preceding)"
            " as previous_last_block from {batch})"
            " where first_block is not null and previous_last_block is not null"
            " and first_block <> previous_last_block + 1",
        ),
        unexpected_rows(
            "first_block <= last_block within a day",
            "select * from {batch} where first_block > last_block",
        ),
    ]


TRANSFERS = SuiteSpec(
    name="raw_onchain_transfers",
    schema="raw",
    table="onchain_transfers",
    build=transfers,
    key=TRANSFER_KEY,
)
BALANCES = SuiteSpec(
    name="raw_onchain_balances",
    schema="raw",
    table="onchain_balances",
    build=balances,
    key=BALANCE_KEY,
)
DAY_BLOCKS = SuiteSpec(
    name="raw_onchain_day_blocks",
    schema="raw",
    table="onchain_day_blocks",
    build=day_blocks,
    key=DAY_BLOCK_KEY,
)
SUITES = [TRANSFERS, BALANCES, DAY_BLOCKS]
