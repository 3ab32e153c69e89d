"""Integrity suite for the wallet registry (raw.registry_wallets, from the configuration).

Blocking: a wallet listed twice, a malformed address or an unknown network would misplace
balances in every mart.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete, lower_hex, not_null

KEY = ("network", "address")
PURPOSES = ["hot", "cold", "buffer", "deposit", "omnibus", "treasury", "payout", "other"]


def build() -> list[gx.expectations.Expectation]:
    e = gx.expectations
    return [
        *key_unique_and_complete(KEY),
        *not_null(["entity", "label", "purpose", "custody_provider", "ownership"]),
        lower_hex(["address"], 40, "wallet address"),
        e.ExpectColumnValuesToBeInSet(column="ownership", value_set=["operating", "client"]),
        e.ExpectColumnValuesToBeInSet(column="purpose", value_set=PURPOSES),
        unexpected_rows(
            "every wallet's network is a registered network",
            "select * from {batch} where network not in"
            " (select network from raw.registry_networks)",
        ),
        unexpected_rows(
            "every wallet's entity is a registered entity",
            "select * from {batch} where entity not in (select entity from raw.registry_entities)",
        ),
        unexpected_rows(
            "no two registered networks share a chain id",
            "select * from {batch} where network in (select network from raw.registry_networks"
            " qualify count(*) over (partition by chain_id) > 1)",
        ),
    ]


SUITE = SuiteSpec(
    name="raw_registry_wallets",
    schema="raw",
    table="registry_wallets",
    build=build,
    key=KEY,
    also_reads=("raw.registry_networks", "raw.registry_entities"),
)
