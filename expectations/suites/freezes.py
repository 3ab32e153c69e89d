"""Warning suite for `marts.freeze_exposure`: every own wallet the token's issuer has frozen (per
day) and every outflow from an own wallet to a frozen counterparty is one failing row, recorded
in audit.expectation_failures with its key.

Not blocking: a freeze is a fact the business must act on (the tokens cannot be used, the
issuer must be asked why), not a broken table.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete

KEY = ("exposure_id",)
DESCRIPTION = "no own wallet frozen by the issuer and no outflow to a frozen counterparty"


def freeze_exposure() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(KEY),
        unexpected_rows(DESCRIPTION, "select * from {batch}"),
    ]


FREEZE_EXPOSURE = SuiteSpec(
    name="freeze_exposure",
    schema="marts",
    table="freeze_exposure",
    build=freeze_exposure,
    blocking=False,
    key=KEY,
    columns=(
        *KEY,
        "as_of_date",
        "exposure_type",
        "address",
        "address_label",
        "frozen_balance",
        "amount",
    ),
)
SUITES = [FREEZE_EXPOSURE]
