"""The warehouse lock (orchestration/runlock.py): a live holder is named and waited for (or a
timeout fails the run); holding it, the pool slots and unfinished runs of dead usd1inv runs are
freed; steps using the `warehouse` resource (runs from the Dagster UI, schedules, sensors, the
close job) take it too, against CLI runs and each other, and never wait for their own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from unittest import mock

import dagster as dg
import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.close import close_period_job
from orchestration.defs.resources import InventoryConfig, Warehouse
from orchestration.pipeline import DAGSTER_YAML
from orchestration.runlock import (
    RUN_TAG,
    TIMEOUT_ENV,
    WarehouseBusyError,
    lock_path,
    warehouse_lock,
)

HOLD = """
import sys, time
from pathlib import Path
from unittest import mock
from orchestration.runlock import warehouse_lock
instance = mock.MagicMock()
instance.event_log_storage.get_concurrency_run_ids.return_value = set()
with warehouse_lock(Path(sys.argv[1]), instance) as lock:
    lock.running("build_marts", "run-of-the-holder")
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def instance(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    with DagsterInstance.from_config(str(home)) as inst:
        yield inst


def test_a_live_holder_is_named_and_a_timeout_fails(tmp_path, instance, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with (
            pytest.raises(WarehouseBusyError) as error,
            warehouse_lock(warehouse, instance, timeout=1.0, poll=0.1),
        ):
            pass
        assert time.monotonic() - started < 10
        assert f"pid {holder.pid}" in str(error.value)
        assert "run-of-the-holder" in str(error.value)
        # the holder's record is intact after the waiter gave up
        assert "run-of-the-holder" in lock_path(warehouse).read_text()
    finally:
        holder.kill()
        holder.wait()
    # the holder died: the lock is free at once
    with warehouse_lock(warehouse, instance, timeout=1.0) as lock:
        assert lock.path == lock_path(warehouse)


def test_dead_runs_slots_are_freed_and_runs_marked_failed(tmp_path, instance):
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 1)
    dead = DagsterRun(
        job_name="ingest_onchain",
        run_id="dead-run-0001",
        status=DagsterRunStatus.STARTED,
        tags={RUN_TAG: "999999999"},
    )
    instance.add_run(dead)
    claim = storage.claim_concurrency_slot("warehouse", dead.run_id, "onchain_transfers")
    assert claim.is_claimed
    assert storage.get_concurrency_run_ids() == {dead.run_id}

    with warehouse_lock(tmp_path / "warehouse.duckdb", instance, timeout=1.0):
        pass
    assert storage.get_concurrency_run_ids() == set()
    assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
    # the slot is free for the next run
    assert storage.claim_concurrency_slot("warehouse", "next-run", "step").is_claimed


# a step of a run launched from Dagster (UI, schedule, sensor, a run worker): it uses the
# `warehouse` resource, prints once it runs and keeps running
DAGSTER_STEP = """
import sys, time
import dagster as dg
from orchestration.defs.resources import Warehouse

@dg.op
def writes(warehouse: Warehouse):
    print("running", flush=True)
    time.sleep(60)

@dg.job
def ui_job():
    writes()

ui_job.execute_in_process(
    resources={"warehouse": Warehouse(path=sys.argv[1])},
    run_id="0000aaaa-0000-4000-8000-00000000beef",
)
"""


@dg.op
def _writes(warehouse: Warehouse) -> None:
    pass


@dg.job
def _one_step() -> None:
    _writes()


def test_a_dagster_step_waits_for_a_cli_run_and_names_it(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Exception) as error:
            _one_step.execute_in_process(resources={"warehouse": Warehouse(path=str(warehouse))})
        text = "".join(traceback.format_exception(error.value))
        assert "WarehouseBusyError" in text
        assert f"pid {holder.pid}" in text
        assert "run-of-the-holder" in text
    finally:
        holder.kill()
        holder.wait()


def test_the_close_job_waits_for_a_cli_run(tmp_path, monkeypatch):
    """The `close_period` job (monthly schedule) writes the warehouse and its pack under the
    lock: it never starts while a CLI run holds it."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = close_period_job.execute_in_process(
            resources={
                "inventory_config": InventoryConfig(config_path=str(tmp_path / "none.yml")),
                "warehouse": Warehouse(path=str(warehouse)),
            },
            raise_on_error=False,
        )
        assert not result.success
        failures = [
            e.event_specific_data.error.to_string()
            for e in result.all_events
            if e.is_failure and e.event_specific_data is not None
        ]
        assert any(f"pid {holder.pid}" in f and "is in use by" in f for f in failures), failures
    finally:
        holder.kill()
        holder.wait()


def test_a_cli_run_waits_for_a_dagster_step_and_names_its_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    step = subprocess.Popen(
        [sys.executable, "-c", DAGSTER_STEP, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert step.stdout.readline().strip() == "running"
        instance = mock.MagicMock()
        instance.event_log_storage.get_concurrency_run_ids.return_value = set()
        with (
            pytest.raises(WarehouseBusyError) as error,
            warehouse_lock(warehouse, instance, timeout=1.0, poll=0.1),
        ):
            pass
        assert f"pid {step.pid}" in str(error.value)
        assert "ui_job run 0000aaaa-0000-4000-8000-00000000beef" in str(error.value)
    finally:
        step.kill()
        step.wait()


def test_runs_of_the_process_holding_the_lock_do_not_wait_for_it(tmp_path, instance):
    """`usd1inv run` holds the lock and executes its runs in its own process: their steps take
    it again without waiting (a second flock on a new descriptor would wait forever)."""
    warehouse = tmp_path / "warehouse.duckdb"
    with warehouse_lock(warehouse, instance, timeout=1.0) as lock:
        started = time.monotonic()
        result = _one_step.execute_in_process(
            resources={"warehouse": Warehouse(path=str(warehouse))}, instance=instance
        )
        assert result.success
        assert time.monotonic() - started < 30
        assert json.loads(lock.path.read_text())["run_id"] == result.run_id
    # released with the outer block: another process takes it at once
    taken = subprocess.run(
        [sys.executable, "-c", HOLD.replace("time.sleep(60)", ""), str(warehouse)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, TIMEOUT_ENV: "5"},
    )
    assert taken.stdout.strip() == "held", taken.stderr[-2000:]


def test_a_dead_cli_runs_unfinished_run_is_marked_failed(tmp_path, instance):
    """Without pool slots, a run of a killed `usd1inv run` would stay 'started' forever."""
    dead = DagsterRun(
        job_name="build_marts",
        run_id="dead-run-0002",
        status=DagsterRunStatus.STARTED,
        tags={RUN_TAG: "999999999"},
    )
    instance.add_run(dead)
    with warehouse_lock(tmp_path / "warehouse.duckdb", instance, timeout=1.0):
        pass
    assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
