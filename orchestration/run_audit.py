"""Runs that Dagster launches by itself pass the same role check and land in the same audit log
as the CLI's commands.

A run started from the Dagster UI, a schedule (`hourly_*`, `monthly_close`), a sensor (new
landing files) or a backfill is not started by usd1inv, which checks and records its own
commands (usd1inv/access.py); such a run carries no `RUN_TAG`. For it:

- every step that opens the warehouse (the `warehouse` resource) first asks `authorize` for
  the run's command, `dagster close` for the `close_period_job` and `dagster run` for every
  other job, with the roles of `access:` (ingestion/audit_actions.py ACTION_ROLES). The actor
  is the run's `usd1inv/user` tag when the launcher set one (checked against the mapping like
  `--as`), else the user the Dagster process runs as (`USD1INV_USER`, else the OS user):
  Dagster's open-source UI has no login, so schedules, sensors and the UI act as the service
  user, which the configuration must grant `operator` (and `preparer` for the monthly close).
  A refusal fails the step with the reason and is recorded;
- the first allowed step records the run as `started` (one row per run: the row's id is made
  from the run id, so later steps and retries add nothing);
- the run's end is recorded by two run-status sensors (`ok` or `failed` with the error), which
  the Dagster daemon evaluates after the run (`usd1inv dev`, `make dev`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from ingestion.audit_actions import (
    DDL,
    AccessDeniedError,
    Action,
    authorize,
    caller,
    record_action,
)
from ingestion.config import Config
from orchestration.runlock import RUN_TAG

USER_TAG = "usd1inv/user"  # who launched the run, when the launcher says so
CLOSE_JOB = "close_period_job"
LAUNCH_TAGS = (
    ("dagster/schedule_name", "schedule"),
    ("dagster/sensor_name", "sensor"),
    ("dagster/backfill", "backfill"),
)


def started_by_usd1inv(tags: Mapping[str, str]) -> bool:
    """usd1inv's own runs are checked and recorded by the command that started them."""
    return RUN_TAG in tags


def command_of(job_name: str) -> str:
    return "dagster close" if job_name == CLOSE_JOB else "dagster run"


def launched_by(tags: Mapping[str, str]) -> str:
    """`schedule:<name>`, `sensor:<name>`, `backfill:<id>` or `ui` (a launch by hand)."""
    for tag, kind in LAUNCH_TAGS:
        if tags.get(tag):
            return f"{kind}:{tags[tag]}"
    return "ui"


def run_actor(tags: Mapping[str, str]) -> str:
    return caller(tags.get(USER_TAG))


def run_action(job_name: str, run_id: str, tags: Mapping[str, str], phase: str) -> Action:
    """The audit row of one phase (`start` or `end`) of a Dagster run."""
    arguments = {"job": job_name, "run_id": run_id, "launched_by": launched_by(tags)}
    if tags.get("dagster/partition"):
        arguments["partition"] = tags["dagster/partition"]
    return Action(
        command=command_of(job_name),
        actor=run_actor(tags),
        arguments=arguments,
        action_id=f"dagster-{run_id}-{phase}",
    )


def _append(warehouse: Path, action: Action) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        record_action(con, action)
    finally:
        con.close()


def check_run_start(
    config: Config, warehouse: Path, job_name: str, run_id: str, tags: Mapping[str, str]
) -> str | None:
    """Authorize a run Dagster launched and record its start; the role it acts in (None for a
    run usd1inv started). Raises AccessDeniedError, after recording the refusal. The caller
    holds the warehouse's lock."""
    if started_by_usd1inv(tags):
        return None
    action = run_action(job_name, run_id, tags, "start")
    try:
        action.role = authorize(config, action.command, action.actor)
    except AccessDeniedError as exc:
        action.outcome, action.message = "refused", str(exc)
        _append(warehouse, action)
        raise
    action.outcome = "started"
    _append(warehouse, action)
    return action.role


def record_run_end(
    warehouse: Path,
    job_name: str,
    run_id: str,
    tags: Mapping[str, str],
    failure: str | None,
) -> bool:
    """Record how a Dagster-launched run ended (under the warehouse's lock); False when there
    is nothing to record (a usd1inv run, a run refused at its start, no warehouse yet)."""
    from orchestration.runlock import hold

    if started_by_usd1inv(tags) or not warehouse.exists():
        return False
    with hold(warehouse):
        con = duckdb.connect(str(warehouse))
        try:
            con.execute(DDL)
            start = con.execute(
                "select role, outcome from audit.actions where action_id = ?",
                [f"dagster-{run_id}-start"],
            ).fetchone()
            if start is None or start[1] != "started":
                return False
            action = run_action(job_name, run_id, tags, "end")
            action.role = start[0]
            action.outcome = "failed" if failure is not None else "ok"
            action.message = failure
            record_action(con, action)
            return True
        finally:
            con.close()
