"""Run the whole pipeline through Dagster, recording runs in the persistent instance.

`usd1inv run` calls `run_pipeline`: the files in the landing folders (`ingest_files`), then the
on-chain ingestion of each network over the day range (one run per network over its partition
range, so one network's outage does not hold back the others), then the registry, the dbt
build, the checks and the publish (`build_marts`). Runs are written to the Dagster instance under
the configuration's data folder, so `make dev` (the Dagster UI) shows them afterwards.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance, Definitions
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from dagster._core.utils import make_new_run_id

from ingestion.config import Config, ConfigError, load_config
from orchestration.runlock import WarehouseLock, run_tags, warehouse_lock

log = logging.getLogger(__name__)

DAGSTER_YAML = """\
# written by usd1inv: a local instance whose run history the Dagster UI (make dev) shows
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1   # unused: steps that write the warehouse take its OS lock (runlock.py)
"""


@dataclass
class JobOutcome:
    job: str
    run_id: str
    success: bool
    failed_steps: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    # checks of WARN severity: a failure is shown (a break, a stale source) but fails nothing
    warning_checks: set[str] = field(default_factory=set)

    @property
    def failed_checks(self) -> list[str]:
        """Failed checks that fail the run (ERROR severity: broken integrity)."""
        return [n for n, ok in self.checks.items() if not ok and n not in self.warning_checks]

    @property
    def warnings(self) -> list[str]:
        """Failed checks of WARN severity."""
        return [n for n, ok in self.checks.items() if not ok and n in self.warning_checks]


@dataclass
class PipelineOutcome:
    config: Config
    start: date
    end: date
    jobs: list[JobOutcome]

    @property
    def success(self) -> bool:
        return all(j.success and not j.failed_checks for j in self.jobs)

    @property
    def failure_summary(self) -> str:
        lines = []
        for job in self.jobs:
            for step, error in zip(job.failed_steps, job.errors, strict=False):
                lines.append(f"{job.job} (run {job.run_id[:8]}): step {step} failed: {error}")
            lines += [f"{job.job}: check {name} failed" for name in job.failed_checks]
        return "\n".join(lines)


def dagster_instance(config: Config) -> DagsterInstance:
    """The persistent Dagster instance in the configuration's data folder."""
    home = config.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    yaml_path = home / "dagster.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return DagsterInstance.from_config(str(home))


def prepare_environment(config_path: str | Path) -> Config:
    """Validate the configuration and the environment it needs before any run starts."""
    config = load_config(config_path)
    config.check_environment()
    os.environ["USD1INV_CONFIG"] = str(Path(config_path).resolve())
    os.environ["USD1INV_WAREHOUSE"] = str(config.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return config


def _outcome(job_name: str, result) -> JobOutcome:
    outcome = JobOutcome(job=job_name, run_id=result.run_id, success=result.success)
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            outcome.failed_steps.append(event.step_key or "?")
            error = event.step_failure_data.error
            message = error.message.strip() if error else "unknown error"
            outcome.errors.append(message.splitlines()[0][:500] if message else "unknown error")
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        outcome.checks[name] = evaluation.passed
        if evaluation.severity == AssetCheckSeverity.WARN:
            outcome.warning_checks.add(name)
    return outcome


def run_pipeline(
    config_path: str | Path,
    start: date | None = None,
    end: date | None = None,
    *,
    definitions: Definitions | None = None,
) -> PipelineOutcome:
    """Ingest every configured source for [start, end] (local days), build marts, run checks."""
    config = prepare_environment(config_path)
    start = start or config.start_date
    end = end or datetime.now(config.tz).date()
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    if start < config.start_date:
        raise ConfigError(f"--from {start} is before the configured start_date {config.start_date}")
    instance = dagster_instance(config)
    if definitions is None:
        from orchestration.defs.build import build_definitions

        definitions = build_definitions(config_path)

    with warehouse_lock(config.warehouse_path, instance) as lock:
        # off-chain files in the landing folders (custodians, exchanges, ledger, prices)
        files_outcome = _outcome(
            "ingest_files", execute(definitions, "ingest_files", instance, lock=lock)
        )
        jobs = [
            run_ingest(definitions, instance, network, start, end, lock=lock)
            for network in config.network_names
        ]
        # one network's outage does not hold back the others: the marts are built when at
        # least one network loaded (the failed one shows in the outcome and keeps its last
        # good data)
        if any(j.success for j in jobs):
            jobs.append(
                _outcome("build_marts", execute(definitions, "build_marts", instance, lock=lock))
            )
    jobs.insert(0, files_outcome)
    return PipelineOutcome(config=config, start=start, end=end, jobs=jobs)


def execute(
    definitions: Definitions,
    job_name: str,
    instance: DagsterInstance,
    *,
    lock: WarehouseLock | None = None,
    tags: dict[str, str] | None = None,
):
    """One in-process run of a job, tagged with this process (runlock.py) and recorded in the
    lock file while it runs."""
    run_id = make_new_run_id()
    if lock is not None:
        lock.running(job_name, run_id)
    return definitions.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        run_id=run_id,
        tags={**run_tags(), **(tags or {})},
        raise_on_error=False,
    )


def run_ingest(
    definitions: Definitions,
    instance: DagsterInstance,
    network: str,
    start: date,
    end: date,
    *,
    lock: WarehouseLock | None = None,
) -> JobOutcome:
    """One run of the on-chain ingestion for one network over the local days [start, end]."""
    from orchestration.defs.onchain.partitions import partition_key

    result = execute(
        definitions,
        "ingest_onchain",
        instance,
        lock=lock,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: partition_key(network, start),
            ASSET_PARTITION_RANGE_END_TAG: partition_key(network, end),
        },
    )
    return _outcome(f"ingest_onchain[{network}]", result)
