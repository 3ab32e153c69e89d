"""Backfill one network's on-chain partitions through Dagster, skipping finished ones.

`usd1inv backfill` calls `run_backfill`: the network x day partitions of [start, end] that the
Dagster instance has not materialised yet (all of them with `force`) are grouped into runs of
consecutive days (at most `chunk_days` each, so progress is visible and a failure loses
little), run one after the other as the same `ingest_onchain` job the pipeline runs, and then
the marts are rebuilt once. Another network's partitions are never touched.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dagster import DagsterInstance, Definitions

from ingestion.config import Config, ConfigError, load_config
from orchestration.defs.onchain.assets import ONCHAIN_TRANSFERS
from orchestration.defs.onchain.partitions import partition_key
from orchestration.pipeline import JobOutcome, _outcome, dagster_instance, execute, run_ingest
from orchestration.runlock import warehouse_lock


@dataclass
class BackfillOutcome:
    network: str
    start: date
    end: date
    days_requested: int
    days_skipped: int
    runs: list[tuple[date, date, JobOutcome]] = field(default_factory=list)
    build: JobOutcome | None = None

    @property
    def success(self) -> bool:
        runs_ok = all(o.success for _, _, o in self.runs)
        return runs_ok and (self.build is None or self.build.success)


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def pending_days(
    instance: DagsterInstance, network: str, start: date, end: date, force: bool = False
) -> list[date]:
    """Days of [start, end] whose network partition is not materialised (all with force)."""
    days = day_range(start, end)
    if force:
        return days
    done = set(instance.get_materialized_partitions(ONCHAIN_TRANSFERS))
    return [d for d in days if partition_key(network, d) not in done]


def chunk_runs(days: list[date], chunk_days: int) -> list[tuple[date, date]]:
    """Consecutive days grouped into inclusive ranges of at most `chunk_days`."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if (
            ranges
            and day == ranges[-1][1] + timedelta(days=1)
            and (day - ranges[-1][0]).days < chunk_days
        ):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def prepare_backfill(config_path: str | Path, network: str) -> Config:
    """Validate the configuration and the one RPC variable the backfill needs."""
    config = load_config(config_path)
    config.network(network).rpc_url()
    os.environ["USD1INV_CONFIG"] = str(Path(config_path).resolve())
    os.environ["USD1INV_WAREHOUSE"] = str(config.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return config


def run_backfill(
    config_path: str | Path,
    network: str,
    start: date,
    end: date,
    *,
    force: bool = False,
    chunk_days: int = 7,
    build: bool = True,
    definitions: Definitions | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_run: Callable[[date, date, JobOutcome], None] | None = None,
) -> BackfillOutcome:
    """Run the missing partitions of one network; `on_plan(todo, skipped)` and
    `on_run(first, last, outcome)` report progress (the CLI draws a progress bar)."""
    config = prepare_backfill(config_path, network)
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    if start < config.start_date:
        raise ConfigError(f"--from {start} is before the configured start_date {config.start_date}")
    instance = dagster_instance(config)
    if definitions is None:
        from orchestration.defs.build import build_definitions

        definitions = build_definitions(config_path)
    todo = pending_days(instance, network, start, end, force)
    outcome = BackfillOutcome(
        network=network,
        start=start,
        end=end,
        days_requested=(end - start).days + 1,
        days_skipped=(end - start).days + 1 - len(todo),
    )
    if on_plan:
        on_plan(len(todo), outcome.days_skipped)
    with warehouse_lock(config.warehouse_path, instance) as lock:
        for first, last in chunk_runs(todo, chunk_days):
            result = run_ingest(definitions, instance, network, first, last, lock=lock)
            outcome.runs.append((first, last, result))
            if on_run:
                on_run(first, last, result)
            if not result.success:
                break
        if build and outcome.runs and outcome.success:
            outcome.build = _outcome(
                "build_marts", execute(definitions, "build_marts", instance, lock=lock)
            )
    return outcome
