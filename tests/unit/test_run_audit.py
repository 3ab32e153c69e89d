"""Runs Dagster launches by itself (UI, schedules, sensors) pass the `access:` role check before
their first step opens the warehouse and are recorded in audit.actions, start and end; runs
usd1inv starts are left to the command that started them (real Dagster runs on a real DuckDB
file, the end recorded by the real run-status sensors)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.config import load_config
from orchestration.defs.resources import Warehouse
from orchestration.defs.run_audit_sensors import build_run_audit_sensors
from orchestration.run_audit import CLOSE_JOB, USER_TAG, launched_by
from orchestration.runlock import RUN_TAG
from tests.conftest import write_config

ROLES = {"operator": ["ops-bot"], "preparer": ["ana"], "approver": ["carla"], "admin": ["dana"]}


@dg.op
def _touch(warehouse: Warehouse) -> None:
    with warehouse.connect() as con:
        con.execute("create table if not exists main.touched (n integer)")


@dg.op
def _boom(warehouse: Warehouse) -> None:
    raise RuntimeError("the step broke")


@dg.job(name="build_marts")
def _build_job() -> None:
    _touch()


@dg.job(name=CLOSE_JOB)
def _close_job() -> None:
    _touch()


@dg.job(name="ingest_files")
def _failing_job() -> None:
    _boom()


@pytest.fixture
def setup(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("USD1INV_USER", raising=False)
    config_path = write_config(tmp_path, access={"roles": ROLES})
    config = load_config(config_path)
    config.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    resources = {
        "warehouse": Warehouse(
            path=str(config.warehouse_path), config_path=str(config_path.resolve())
        )
    }
    return config, resources, dg.DagsterInstance.ephemeral()


def _actions(config) -> list[dict]:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        cur = con.execute("select * from audit.actions order by recorded_at, action_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def _end(config, instance, result, status) -> None:
    """Evaluate the product's run-status sensor for the finished run, as the daemon does."""
    success, failure = build_run_audit_sensors(config)
    run = instance.get_run_by_id(result.run_id)
    ok = status == dg.DagsterRunStatus.SUCCESS
    kind = dg.DagsterEventType.RUN_SUCCESS if ok else dg.DagsterEventType.RUN_FAILURE
    event = next(
        r.event_log_entry.dagster_event
        for r in instance.get_records_for_run(result.run_id).records
        if r.event_log_entry.dagster_event and r.event_log_entry.dagster_event.event_type == kind
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="audit_run_success" if ok else "audit_run_failure",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=event,
    )
    if ok:
        success(context)
    else:
        failure(context.for_run_failure())


def test_a_run_by_an_unknown_service_user_is_refused_and_recorded(setup):
    config, resources, instance = setup
    result = _build_job.execute_in_process(
        resources=resources, instance=instance, raise_on_error=False
    )
    assert not result.success
    [row] = _actions(config)
    assert row["command"] == "dagster run" and row["outcome"] == "refused"
    assert "operator or admin" in row["message"]
    arguments = json.loads(row["arguments_json"])
    assert arguments == {"job": "build_marts", "run_id": result.run_id, "launched_by": "ui"}
    # the step never ran: the refusal came before it opened the warehouse
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "touched" not in tables
    _end(config, instance, result, dg.DagsterRunStatus.FAILURE)  # a refused run has no end row
    assert len(_actions(config)) == 1


def test_an_operator_run_is_recorded_once_at_start_and_at_its_end(setup):
    config, resources, instance = setup
    tags = {USER_TAG: "ops-bot", "dagster/schedule_name": "hourly_marts"}
    result = _build_job.execute_in_process(resources=resources, instance=instance, tags=tags)
    assert result.success
    _end(config, instance, result, dg.DagsterRunStatus.SUCCESS)
    _end(config, instance, result, dg.DagsterRunStatus.SUCCESS)  # the sensor again: no new row
    start, end = _actions(config)
    assert (start["actor"], start["role"], start["outcome"]) == ("ops-bot", "operator", "started")
    assert (end["role"], end["outcome"], end["message"]) == ("operator", "ok", None)
    assert json.loads(end["arguments_json"])["launched_by"] == "schedule:hourly_marts"
    assert start["action_id"] == f"dagster-{result.run_id}-start"


def test_the_close_job_needs_a_preparer(setup, monkeypatch):
    config, resources, instance = setup
    refused = _close_job.execute_in_process(
        resources=resources, instance=instance, tags={USER_TAG: "ops-bot"}, raise_on_error=False
    )
    assert not refused.success
    monkeypatch.setenv("USD1INV_USER", "ana")  # the service user the daemon runs as
    allowed = _close_job.execute_in_process(resources=resources, instance=instance)
    assert allowed.success
    rows = _actions(config)
    assert [(r["command"], r["actor"], r["outcome"], r["role"]) for r in rows] == [
        ("dagster close", "ops-bot", "refused", None),
        ("dagster close", "ana", "started", "preparer"),
    ]


def test_a_failed_run_is_recorded_with_its_error(setup):
    config, resources, instance = setup
    result = _failing_job.execute_in_process(
        resources=resources,
        instance=instance,
        tags={USER_TAG: "dana", "dagster/sensor_name": "landing_files"},
        raise_on_error=False,
    )
    assert not result.success
    _end(config, instance, result, dg.DagsterRunStatus.FAILURE)
    start, end = _actions(config)
    assert (start["role"], start["outcome"]) == ("admin", "started")
    assert end["outcome"] == "failed" and end["message"]
    assert json.loads(end["arguments_json"])["launched_by"] == "sensor:landing_files"


def test_runs_usd1inv_started_are_left_to_its_command(setup):
    config, resources, instance = setup
    result = _build_job.execute_in_process(
        resources=resources, instance=instance, tags={RUN_TAG: "123"}
    )
    assert result.success
    _end(config, instance, result, dg.DagsterRunStatus.SUCCESS)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "actions" not in tables


def test_launched_by_names_the_launcher():
    assert launched_by({"dagster/backfill": "abc"}) == "backfill:abc"
    assert launched_by({}) == "ui"
