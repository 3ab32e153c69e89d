"""The warehouse lock (orchestration/runlock.py): a live holder is named and waited for (or a
timeout fails the run); holding it, the pool slots of dead usd1inv runs are freed."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.pipeline import DAGSTER_YAML
from orchestration.runlock import RUN_TAG, WarehouseBusyError, lock_path, warehouse_lock

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
