"""Jobs and schedules: what runs together, and when."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    ScheduleDefinition,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from ingestion.config import Config
from orchestration.defs.landing import FILE_ASSET_KEYS, ingest_files_job
from orchestration.defs.onchain.assets import ONCHAIN_KEYS

# ingestion of a day (or a range of days, in one run) of on-chain data
ingest_onchain_job = define_asset_job(
    "ingest_onchain", selection=AssetSelection.assets(*ONCHAIN_KEYS)
)
# the registry, every dbt model and test, and the Great Expectations checks
build_marts_job = define_asset_job(
    "build_marts",
    selection=AssetSelection.all()
    - AssetSelection.assets(*ONCHAIN_KEYS)
    - AssetSelection.assets(*FILE_ASSET_KEYS),  # files load in ingest_files
)

JOBS = [ingest_onchain_job, build_marts_job, ingest_files_job]


def build_schedules(config: Config) -> list:
    """Every hour: load the current local day's transfers (re-reading the unfinalised tail),
    then rebuild the marts a little later."""
    return [
        build_schedule_from_partitioned_job(
            ingest_onchain_job, name="hourly_onchain", minute_of_hour=5
        ),
        ScheduleDefinition(
            name="hourly_marts",
            job=build_marts_job,
            cron_schedule="20 * * * *",
            execution_timezone=config.reporting_timezone,
        ),
    ]
