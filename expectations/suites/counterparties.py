"""Warning suite for `marts.unknown_destination_outflows`: every outflow from an own address to
an address in neither the registry nor the counterparty allow-list (`counterparties:`) is one
failing row, recorded in audit.expectation_failures with its keys.

Not blocking: an unknown destination is a fact someone must look at (a new customer to add to
the allow-list, or tokens sent where they should not go), not a broken table.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete

KEY = ("network", "tx_hash", "log_index")
DESCRIPTION = "no outflow to an unknown destination (each row is one)"


def unknown_destinations() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(KEY),
        unexpected_rows(DESCRIPTION, "select * from {batch}"),
    ]


UNKNOWN_DESTINATIONS = SuiteSpec(
    name="unknown_destination_outflows",
    schema="marts",
    table="unknown_destination_outflows",
    build=unknown_destinations,
    blocking=False,
    key=KEY,
    columns=(*KEY, "location_id", "from_address", "to_address", "amount", "block_time"),
)
SUITES = [UNKNOWN_DESTINATIONS]
