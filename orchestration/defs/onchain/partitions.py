"""Day partitions, cut in the configured reporting time zone."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition

from ingestion.config import Config


def daily_partitions(config: Config) -> DailyPartitionsDefinition:
    """One partition per local day from the configured start date; today's partition is open
    (end_offset=1) so the running day can be loaded as pending."""
    return DailyPartitionsDefinition(
        start_date=config.start_date.isoformat(),
        timezone=config.reporting_timezone,
        end_offset=1,
    )
