"""Thresholds of the quality suites: how old each source may be, how much may be pending.

It is the `quality:` section of the usd1inv configuration (see `ingestion.config.Config`);
errors name their key (`quality.freshness.ledger_max_age_hours`). The suites that use it are
`expectations/suites/source_freshness.py` and `expectations/suites/pending_share.py`.

Freshness is measured against the end of the last built day (the latest `as_of_date` of
marts.inventory_daily, in the reporting time zone), not the wall clock, so a run over a past
day range gives the same verdict tomorrow.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hours(default: int, what: str):
    return Field(default=default, gt=0, description=f"hours: {what}")


class FreshnessConfig(_Strict):
    """Maximum age per source kind, in hours before the end of the last built day."""

    custodian_max_age_hours: int = _hours(36 * 24, "last custodian statement (as_of)")
    exchange_max_age_hours: int = _hours(36 * 24, "last exchange entry")
    ledger_max_age_hours: int = _hours(48, "last internal ledger posting")
    prices_max_age_hours: int = _hours(48, "last price of each series")
    onchain_max_age_hours: int = _hours(24, "last final block of each network")

    def max_age_hours(self) -> dict[str, int]:
        """Source kind -> maximum age in hours."""
        return {
            name.removesuffix("_max_age_hours"): value for name, value in self.model_dump().items()
        }


class QualityConfig(_Strict):
    freshness: FreshnessConfig = FreshnessConfig()
    pending_share_max: Decimal = Field(
        default=Decimal("0.05"),
        gt=0,
        le=1,
        description="largest share of a network's on-chain balance that may be pending "
        "(pending_in + pending_out) on the last built day",
    )
