"""Integrity suites for the raw tables loaded from files: custodian statements, exchange
exports, the internal ledger and prices.

Every version of a file is kept in raw (audit.files says which is current), so a row's identity
includes the file it came from. Blocking: a duplicate row, a missing key, a negative balance or
fee, or a price that is not positive would flow into every mart.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete, not_negative, not_null

PROVENANCE = ("file_sha256", "row_number")
CUSTODIAN_BALANCE_KEY = ("provider", "account_id", "asset", "as_of", "file_sha256")
CUSTODIAN_MOVEMENT_KEY = ("provider", "account_id", "entry_id", "file_sha256")
EXCHANGE_KEY = ("venue", "account_id", "entry_id", "file_sha256")
LEDGER_KEY = ("entry_id", "file_sha256")
PRICE_KEY = ("source", "asset", "ts", "file_sha256")


def _provenance() -> list[gx.expectations.Expectation]:
    return key_unique_and_complete(PROVENANCE)


def custodian_balances() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(CUSTODIAN_BALANCE_KEY),
        *_provenance(),
        *not_null(["balance"]),
        not_negative(["balance"]),
    ]


def custodian_movements() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(CUSTODIAN_MOVEMENT_KEY),
        *_provenance(),
        *not_null(["asset", "amount", "occurred_at"]),
        unexpected_rows(
            "fee: zero or positive", "select * from {batch} where coalesce(fee, 0) < 0"
        ),
    ]


def exchange_entries() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(EXCHANGE_KEY),
        *_provenance(),
        *not_null(["asset", "amount", "occurred_at", "entry_type"]),
        unexpected_rows(
            "fee and running balance: zero or positive",
            "select * from {batch} where coalesce(fee, 0) < 0 or coalesce(balance, 0) < 0",
        ),
    ]


def ledger_entries() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(LEDGER_KEY),
        *_provenance(),
        *not_null(["account_id", "owner_type", "entity", "asset", "amount", "posted_at"]),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="owner_type", value_set=["client", "operating"]
        ),
    ]


def prices() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(PRICE_KEY),
        *_provenance(),
        *not_null(["price_usd"]),
        unexpected_rows("price_usd is positive", "select * from {batch} where price_usd <= 0"),
    ]


def _spec(name: str, table: str, build, key: tuple[str, ...]) -> SuiteSpec:
    return SuiteSpec(name=name, schema="raw", table=table, build=build, key=key)


CUSTODIAN_BALANCES = _spec(
    "raw_custodian_balances", "custodian_balances", custodian_balances, CUSTODIAN_BALANCE_KEY
)
CUSTODIAN_MOVEMENTS = _spec(
    "raw_custodian_movements", "custodian_movements", custodian_movements, CUSTODIAN_MOVEMENT_KEY
)
EXCHANGE_ENTRIES = _spec("raw_exchange_entries", "exchange_entries", exchange_entries, EXCHANGE_KEY)
LEDGER_ENTRIES = _spec("raw_ledger_entries", "ledger_entries", ledger_entries, LEDGER_KEY)
PRICES = _spec("raw_prices", "prices", prices, PRICE_KEY)
SUITES = [CUSTODIAN_BALANCES, CUSTODIAN_MOVEMENTS, EXCHANGE_ENTRIES, LEDGER_ENTRIES, PRICES]
