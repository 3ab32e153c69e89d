"""Integrity suite for `marts.inventory_rollforward`: keys, non-negative flows, the identity."""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows

KEY = ["period", "network", "location_id"]
FLOWS = [
    "inflows_external",
    "outflows_external",
    "transfers_in_internal",
    "transfers_out_internal",
    "mints",
    "burns",
    "fees",
]


def build() -> list[gx.expectations.Expectation]:
    e = gx.expectations
    out: list[gx.expectations.Expectation] = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectCompoundColumnsToBeUnique(column_list=KEY),
        e.ExpectColumnValuesToBeInSet(column="period_type", value_set=["month", "quarter"]),
    ]
    for column in [*KEY, "opening_balance", *FLOWS, "unexplained_change", "closing_balance"]:
        out.append(e.ExpectColumnValuesToNotBeNull(column=column))
    out += [
        unexpected_rows(
            "every flow column is zero or positive",
            "select * from {batch} where " + " or ".join(f"{c} < 0" for c in FLOWS),
        ),
        unexpected_rows(
            "opening + flows + unexplained_change = closing, exactly",
            "select * from {batch} where opening_balance + inflows_external - outflows_external"
            " + transfers_in_internal - transfers_out_internal + mints - burns - fees"
            " + unexplained_change <> closing_balance",
        ),
        unexpected_rows(
            "a period's closing is the next period's opening",
            "select * from (select closing_balance, lead(opening_balance) over ("
            "partition by period_type, network, location_id order by period_start_date) as nxt"
            " from {batch}) where nxt is not null and nxt <> closing_balance",
        ),
    ]
    return out


SUITE = SuiteSpec(
    name="inventory_rollforward_integrity",
    schema="marts",
    table="inventory_rollforward",
    build=build,
)
