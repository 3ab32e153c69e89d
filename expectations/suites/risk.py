"""Warning suites for the risk marts: client segregation and concentration.

- `client_asset_coverage` (marts.client_asset_coverage): client-owned holdings cover client
  liabilities every day (shortfall = 0; coverage_ratio >= 1 where there are liabilities).
- `concentration_limits` (marts.concentration): no exposure in breach of its configured limit.

Not blocking: a shortfall or a breach is a fact the business must see, not a broken table.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete, not_null

COVERAGE_KEY = ("as_of_date", "entity", "network")
CONCENTRATION_KEY = ("as_of_date", "entity", "dimension", "dimension_value")


def coverage() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(COVERAGE_KEY),
        *not_null(["shortfall"]),
        unexpected_rows(
            "client assets cover client liabilities every day (shortfall = 0, coverage_ratio >= 1)",
            "select * from {batch} where shortfall <> 0 or coverage_ratio < 1",
        ),
    ]


def concentration() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(CONCENTRATION_KEY),
        *not_null(["status"]),
        unexpected_rows(
            "every exposure within its limit (status is not 'breach')",
            "select * from {batch} where status = 'breach'",
        ),
    ]


COVERAGE = SuiteSpec(
    name="client_asset_coverage",
    schema="marts",
    table="client_asset_coverage",
    build=coverage,
    blocking=False,
    key=COVERAGE_KEY,
    columns=(*COVERAGE_KEY, "coverage_ratio", "shortfall"),
)
CONCENTRATION = SuiteSpec(
    name="concentration_limits",
    schema="marts",
    table="concentration",
    build=concentration,
    blocking=False,
    key=CONCENTRATION_KEY,
    columns=(*CONCENTRATION_KEY, "share", "limit_share", "limit_amount", "status"),
)
SUITES = [COVERAGE, CONCENTRATION]
