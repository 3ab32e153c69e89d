"""Integrity suite for `marts.inventory_daily`: keys, completeness, no negative money."""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows

KEY = ["as_of_date", "network", "location_id"]
AMOUNTS = ["balance", "pending_in", "pending_out", "frozen", "locked", "available"]


def build() -> list[gx.expectations.Expectation]:
    e = gx.expectations
    out: list[gx.expectations.Expectation] = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectCompoundColumnsToBeUnique(column_list=KEY),
    ]
    for column in [*KEY, "entity", "ownership", "location_type", *AMOUNTS]:
        out.append(e.ExpectColumnValuesToNotBeNull(column=column))
    out += [
        e.ExpectColumnValuesToBeInSet(column="ownership", value_set=["operating", "client"]),
        e.ExpectColumnValuesToBeInSet(
            column="location_type", value_set=["wallet", "custodian", "exchange", "contract"]
        ),
        unexpected_rows(
            "no negative balance, pending, frozen, locked or available amount",
            "select * from {batch} where " + " or ".join(f"{c} < 0" for c in AMOUNTS),
        ),
        unexpected_rows(
            "available = max(balance - pending_out - frozen - locked, 0)",
            "select * from {batch} where available <> greatest("
            "balance - pending_out - frozen - locked, 0)",
        ),
        unexpected_rows(
            "location_id of a wallet is a lower-case 20-byte address",
            "select * from {batch} where location_type = 'wallet' and not "
            "regexp_full_match(location_id, '0x[0-9a-f]{{40}}')",
        ),
    ]
    return out


SUITE = SuiteSpec(
    name="inventory_daily_integrity", schema="marts", table="inventory_daily", build=build
)
