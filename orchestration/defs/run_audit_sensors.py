"""How each run Dagster launched by itself ended, in audit.actions (orchestration/run_audit.py):
two run-status sensors the daemon evaluates after every run of this code location."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ingestion.config import Config
from orchestration.run_audit import record_run_end


def build_run_audit_sensors(config: Config) -> list:
    warehouse = Path(config.warehouse_path)

    @dg.run_status_sensor(
        name="audit_run_success",
        run_status=dg.DagsterRunStatus.SUCCESS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records in audit.actions that a run Dagster launched ended ok.",
    )
    def audit_run_success(context: dg.RunStatusSensorContext) -> None:
        run = context.dagster_run
        record_run_end(warehouse, run.job_name, run.run_id, run.tags, None)

    @dg.run_failure_sensor(
        name="audit_run_failure",
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Records in audit.actions that a run Dagster launched failed, and why.",
    )
    def audit_run_failure(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        message = context.failure_event.message or "the run failed"
        record_run_end(warehouse, run.job_name, run.run_id, run.tags, message)

    return [audit_run_success, audit_run_failure]
