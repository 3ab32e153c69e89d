"""One pipeline at a time per warehouse, and no run waiting silently on a dead run.

Dagster's `warehouse` pool (one slot: DuckDB has one writer) is claimed in the instance's
storage. A run killed with SIGKILL (OOM, reboot, a kill) never gives its slot back, and every
later run would log "Step blocked by limit for pool warehouse" and wait forever, printing
nothing. So before its runs the pipeline takes an OS lock (`fcntl.flock` on
`<warehouse>.lock`), which the OS drops when its process dies. Holding it, no other usd1inv
process of this warehouse is alive: a run started by usd1inv (tagged with `RUN_TAG`) that still
holds or waits for a slot is dead; its slots are freed and the run is marked failed, naming it.

When another live process holds the lock, the lock file says which (pid, command, current run)
and this one waits, saying so every `report_every` seconds, or fails after `timeout` seconds
(`USD1INV_LOCK_TIMEOUT`; default: wait).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from dagster import DagsterInstance, DagsterRunStatus

from ingestion.config import ConfigError

log = logging.getLogger(__name__)

RUN_TAG = "usd1inv/pid"  # on every run usd1inv starts: the process that ran it
TIMEOUT_ENV = "USD1INV_LOCK_TIMEOUT"
UNFINISHED = {
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}


class WarehouseBusyError(ConfigError):
    """Another live pipeline kept the warehouse lock longer than the timeout (the CLI shows
    it as it shows a configuration error: a message, exit 1)."""


def tell(message: str) -> None:
    """Log the message and show it on the terminal, even when a run's output goes to its log."""
    log.warning(message)
    terminal = sys.__stderr__
    if terminal is not None and terminal is not sys.stderr:
        with contextlib.suppress(OSError, ValueError):
            terminal.write(f"usd1inv: {message}\n")
            terminal.flush()


def lock_path(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).name + ".lock")


def run_tags() -> dict[str, str]:
    return {RUN_TAG: str(os.getpid())}


def _timeout_from_env() -> float | None:
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    return float(value) if value else None


class WarehouseLock:
    """The held lock: `running(job, run_id)` records the current run in the lock file."""

    def __init__(self, path: Path, handle: IO[str]):
        self.path = path
        self._handle = handle
        self._holder: dict[str, Any] = {
            "pid": os.getpid(),
            "command": " ".join(sys.argv)[:300],
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._write()

    def _write(self) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(self._holder))
        self._handle.flush()

    def running(self, job: str, run_id: str) -> None:
        self._holder.update(job=job, run_id=run_id)
        self._write()


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return "another process"
    text = f"pid {holder.get('pid', '?')} ({holder.get('command', '?')}"
    text += f", since {holder.get('since')})"
    if holder.get("run_id"):
        text += f", running {holder.get('job')} run {holder['run_id']}"
    return text


def free_dead_runs(instance: DagsterInstance, alive: Callable[[str], bool]) -> list[str]:
    """Free the pool slots of the runs that hold or wait for one and are not alive; mark those
    runs failed. Returns their ids."""
    storage = instance.event_log_storage
    freed = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        if alive(run_id):
            continue
        storage.free_concurrency_slots_for_run(run_id)
        run = instance.get_run_by_id(run_id)
        tell(f"run {run_id} ({run.job_name if run else '?'}) is dead: freed its warehouse slot")
        if run is not None and run.status in UNFINISHED:
            instance.report_run_failed(
                run, "The process running it died (killed?): marked failed by usd1inv."
            )
        freed.append(run_id)
    return freed


def _alive_given_lock(instance: DagsterInstance) -> Callable[[str], bool]:
    """With the lock held, a run usd1inv started in another process is dead; a run it did not
    start (the Dagster UI's) is alive while it is unfinished."""
    me = str(os.getpid())

    def alive(run_id: str) -> bool:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return False
        pid = run.tags.get(RUN_TAG)
        if pid is not None:
            return pid == me and run.status in UNFINISHED
        if run.status in UNFINISHED:
            tell(
                f"run {run_id} ({run.job_name}) holds or waits for a warehouse slot and was not "
                "started by usd1inv: runs wait for it to finish (if its process is gone, mark "
                "it failed or canceled in the Dagster UI)"
            )
            return True
        return False

    return alive


@contextlib.contextmanager
def warehouse_lock(
    warehouse: Path,
    instance: DagsterInstance,
    *,
    timeout: float | None = None,
    report_every: float = 15.0,
    poll: float = 0.5,
) -> Iterator[WarehouseLock]:
    """Hold the warehouse's OS lock (waiting for a live holder), free dead runs' slots."""
    timeout = _timeout_from_env() if timeout is None else timeout
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until the block ends
    lock = None
    try:
        started = last_report = time.monotonic()
        first = True
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if timeout is not None and waited >= timeout:
                    raise WarehouseBusyError(
                        f"the warehouse {warehouse} is in use by {_holder(path)}: "
                        f"gave up after {waited:.0f} s ({TIMEOUT_ENV})"
                    ) from None
                if first or time.monotonic() - last_report >= report_every:
                    tell(
                        f"waiting for the warehouse {warehouse}: in use by {_holder(path)}"
                        f" (waited {waited:.0f} s)"
                    )
                    first, last_report = False, time.monotonic()
                time.sleep(poll)
        lock = WarehouseLock(path, handle)
        free_dead_runs(instance, _alive_given_lock(instance))
        yield lock
    finally:
        if lock is not None:
            with contextlib.suppress(OSError, ValueError):
                handle.seek(0)
                handle.truncate()
        handle.close()  # drops the lock
