"""On-chain partitions: network x local day (cut in the configured reporting time zone).

Each network is its own static partition dimension value, so one network's outage or backfill
never blocks another's: the pipeline launches one run per network over its day range.
"""

from __future__ import annotations

from datetime import date

from dagster import (
    DailyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

from ingestion.config import Config

DATE_DIM = "date"
NETWORK_DIM = "network"


def daily_partitions(config: Config) -> DailyPartitionsDefinition:
    """One partition per local day from the configured start date; today's partition is open
    (end_offset=1) so the running day can be loaded as pending."""
    return DailyPartitionsDefinition(
        start_date=config.start_date.isoformat(),
        timezone=config.reporting_timezone,
        end_offset=1,
    )


def network_day_partitions(config: Config) -> MultiPartitionsDefinition:
    """network (static, from the configuration) x local day."""
    return MultiPartitionsDefinition(
        {
            DATE_DIM: daily_partitions(config),
            NETWORK_DIM: StaticPartitionsDefinition(config.network_names),
        }
    )


def partition_key(network: str, day: date) -> str:
    """The partition key string of one network-day (e.g. ``2026-08-01|ethereum``)."""
    return str(MultiPartitionKey({DATE_DIM: day.isoformat(), NETWORK_DIM: network}))


def split_partition_key(key: str) -> tuple[str, date]:
    """(network, day) of a partition key string (dimensions in name order: date|network)."""
    day, network = str(key).split("|")
    return network, date.fromisoformat(day)
