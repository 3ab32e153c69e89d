"""Warning suite for `marts.fair_value`: a price at every period end, depeg within the band.

A period end is unpriced ('missing') when prices of the asset are loaded but none is at or
before the end of its day; an asset with no price loaded at all ('no_prices_loaded': the feed is
not set up or has not arrived) is reported by the mart's price_status, not failed here.

Not blocking (`blocking=False`): a missing price or a depeg is a fact finance must see, not a
broken table. The band is `valuation.depeg_band_bps` of the configuration (default 50 bps);
``suite(band)`` builds the suite for a band, ``SUITE`` is the default one.
"""

from __future__ import annotations

from decimal import Decimal

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows

KEY = ["period", "entity", "ownership", "asset"]
DEFAULT_DEPEG_BAND_BPS = Decimal(50)


def expectations(depeg_band_bps: Decimal) -> list[gx.expectations.Expectation]:
    band = Decimal(depeg_band_bps)
    e = gx.expectations
    out: list[gx.expectations.Expectation] = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectCompoundColumnsToBeUnique(column_list=KEY),
        e.ExpectColumnValuesToBeInSet(
            column="measurement_basis",
            value_set=["fair_value", "cost_less_impairment", "cash_equivalent"],
        ),
    ]
    for column in [*KEY, "period_end_date", "units", "measurement_basis", "price_status"]:
        out.append(e.ExpectColumnValuesToNotBeNull(column=column))
    out += [
        unexpected_rows(
            "every period end has a price (principal market or a configured fallback)",
            "select * from {batch} where price_status = 'missing'"
            " or (price_status = 'priced' and (price_usd is null or price_source is null"
            " or price_observed_at is null))",
        ),
        unexpected_rows(
            f"the price is within {band} bps of par (|depeg_bps| <= {band})",
            f"select * from {{batch}} where abs(depeg_bps) > cast('{band}' as decimal(38, 6))",
        ),
        unexpected_rows(
            "fair value is units * price (to 0.000001 USD)",
            "select * from {batch} where abs(fair_value_usd - units * price_usd)"
            " > cast('0.0000005' as decimal(38, 7))",
        ),
    ]
    return out


def suite(depeg_band_bps: Decimal = DEFAULT_DEPEG_BAND_BPS) -> SuiteSpec:
    return SuiteSpec(
        name="fair_value_prices",
        schema="marts",
        table="fair_value",
        build=lambda: expectations(depeg_band_bps),
        blocking=False,
    )


SUITE = suite()
