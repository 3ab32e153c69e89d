"""Warning suites: the share of on-chain inventory still pending stays below a bound.

- `onchain_pending_share` (marts.inventory_daily): on the latest day, per network, the wallets'
  pending_in + pending_out against their balance. Written as a product, not a quotient
  (pending <= bound x balance), so the comparison stays exact DECIMAL.
- `inventory_health_pending_share` (marts.inventory_health): the health mart's own
  pending_share on its latest day, against the same bound.

The bound is `quality.pending_share_max` of the configuration. Not blocking.
"""

from __future__ import annotations

from decimal import Decimal

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows

DEFAULT_BOUND = Decimal("0.05")
KEY = ("as_of_date", "network")
LATEST_ONCHAIN = (
    "select as_of_date, network,"
    " cast(sum(balance) as decimal(38, 18)) as balance,"
    " cast(sum(pending_in) as decimal(38, 18)) as pending_in,"
    " cast(sum(pending_out) as decimal(38, 18)) as pending_out"
    " from marts.inventory_daily"
    " where location_type in ('wallet', 'contract')"
    " and as_of_date = (select max(as_of_date) from marts.inventory_daily)"
    " group by as_of_date, network"
)


def _bound(bound: Decimal) -> str:
    return f"cast('{Decimal(bound)}' as decimal(9, 6))"


def onchain(bound: Decimal) -> list[gx.expectations.Expectation]:
    return [
        unexpected_rows(
            f"on-chain pending (in + out) is at most {bound} of the balance on the latest day",
            "select * from {batch} where pending_in + pending_out"
            f" > cast(balance as decimal(38, 12)) * {_bound(bound)}",
        )
    ]


def health(bound: Decimal) -> list[gx.expectations.Expectation]:
    return [
        unexpected_rows(
            f"pending_share is at most {bound} on the latest day",
            "select * from {batch} where as_of_date = (select max(as_of_date) from {batch})"
            f" and pending_share > {_bound(bound)}",
        )
    ]


def onchain_suite(bound: Decimal = DEFAULT_BOUND) -> SuiteSpec:
    return SuiteSpec(
        name="onchain_pending_share",
        schema="marts",
        table="inventory_daily",
        build=lambda: onchain(bound),
        blocking=False,
        key=KEY,
        columns=("as_of_date", "network", "location_type", "balance", "pending_in", "pending_out"),
        query=LATEST_ONCHAIN,
    )


def health_suite(bound: Decimal = DEFAULT_BOUND) -> SuiteSpec:
    return SuiteSpec(
        name="inventory_health_pending_share",
        schema="marts",
        table="inventory_health",
        build=lambda: health(bound),
        blocking=False,
        key=("as_of_date",),
        columns=("as_of_date", "pending_share", "health_status"),
    )
