"""Integrity suite for `marts.inventory_daily`: keys, completeness, no negative money.

What is checked here blocks the publish, so it is only what the warehouse's own logic gets
wrong. A custodian or exchange balance below zero is the source's figure: it is a break on that
account (reconciliation comparison `offchain_negative_balance`, warned by the
reconciliation_breaks suite), never a reason to stop the others. An exchange account without
any anchor (balance_status 'unanchored') has a null balance and available by design.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import not_lower_hex

KEY = ["as_of_date", "network", "location_id"]
AMOUNTS = ["balance", "pending_in", "pending_out", "frozen", "locked", "available"]


def build() -> list[gx.expectations.Expectation]:
    e = gx.expectations
    out: list[gx.expectations.Expectation] = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectCompoundColumnsToBeUnique(column_list=KEY),
    ]
    known = ["pending_in", "pending_out", "frozen", "locked"]
    for column in [*KEY, "entity", "ownership", "location_type", "balance_status", *known]:
        out.append(e.ExpectColumnValuesToNotBeNull(column=column))
    out += [
        e.ExpectColumnValuesToBeInSet(column="ownership", value_set=["operating", "client"]),
        e.ExpectColumnValuesToBeInSet(
            column="location_type", value_set=["wallet", "custodian", "exchange", "contract"]
        ),
        unexpected_rows(
            "balance and available are known unless the account is unanchored",
            "select * from {batch} where (balance is null or available is null)"
            " <> (balance_status = 'unanchored')",
        ),
        unexpected_rows(
            "no negative pending, frozen, locked or available amount, nor a negative wallet "
            "or contract balance (an off-chain source's negative balance is a break, not this)",
            "select * from {batch} where "
            + " or ".join(f"{c} < 0" for c in AMOUNTS if c != "balance")
            + " or (balance < 0 and location_type in ('wallet', 'contract'))",
        ),
        unexpected_rows(
            "available = max(balance - pending_out - frozen - locked, 0)",
            "select * from {batch} where available <> greatest("
            "balance - pending_out - frozen - locked, 0)",
        ),
        unexpected_rows(
            "location_id of a wallet is a lower-case 20-byte address",
            "select * from {batch} where location_type = 'wallet' and "
            + not_lower_hex("location_id", 40),
        ),
    ]
    return out


SUITE = SuiteSpec(
    name="inventory_daily_integrity", schema="marts", table="inventory_daily", build=build
)
