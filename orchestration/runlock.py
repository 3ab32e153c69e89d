"""One writer at a time per warehouse, however a run is launched, and no run waiting silently
on a dead run.

The exclusion is an OS lock (`fcntl.flock` on `<warehouse>.lock`), which the OS drops when its
process dies (SIGKILL, OOM, reboot): nothing is left claimed by a dead run. It is taken
- by `usd1inv run`, `backfill`, `close` and `demo` (`warehouse_lock`, `hold`) around all their
  runs and the close pack;
- by every step that uses the `warehouse` resource (orchestration/defs/resources.py), so runs
  launched from the Dagster UI, its schedules and sensors (`usd1inv dev`, `make dev`) and the
  `close_period` job wait for a CLI run and for each other, step by step. The CLI executes its
  runs in its own process, where the lock is re-entrant (`_HELD`), so they never wait for it.
Dagster's concurrency pools are not used for this: a step holding a pool slot while it waits
for the lock, and a CLI run holding the lock while it waits for that slot, would wait forever.

Holding the lock, no other usd1inv process of this warehouse is alive: a run started by
usd1inv (tagged with `RUN_TAG`) of another process that is still unfinished, or that holds a
pool slot (instances from before the lock), is dead; it is marked failed (its slots freed),
naming it.

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

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

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
    """Mark failed the runs usd1inv started that are unfinished or hold or wait for a pool slot
    and are not alive; free their slots. Returns their ids."""
    storage = instance.event_log_storage
    with_slots = set(storage.get_concurrency_run_ids())
    unfinished = {
        run.run_id
        for run in instance.get_runs(filters=RunsFilter(statuses=list(UNFINISHED)), limit=500)
        if RUN_TAG in run.tags
    }
    freed = []
    for run_id in sorted(with_slots | unfinished):
        if alive(run_id):
            continue
        run = instance.get_run_by_id(run_id)
        if run_id in with_slots:
            storage.free_concurrency_slots_for_run(run_id)
            tell(f"run {run_id} ({run.job_name if run else '?'}) is dead: freed its warehouse slot")
        else:
            tell(f"run {run_id} ({run.job_name if run else '?'}) is dead: marked failed")
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


_HELD: dict[Path, WarehouseLock] = {}  # the locks this process holds, by lock file


@contextlib.contextmanager
def hold(
    warehouse: Path,
    *,
    timeout: float | None = None,
    report_every: float = 15.0,
    poll: float = 0.5,
) -> Iterator[WarehouseLock]:
    """Hold the warehouse's OS lock, waiting (and saying so) while another live process holds
    it. Re-entrant within a process: `usd1inv run` holds it around its runs, and the runs it
    executes in its own process (`execute_in_process`) take it again through the `warehouse`
    resource; a second `flock` on a new descriptor would wait for the process itself."""
    timeout = _timeout_from_env() if timeout is None else timeout
    path = lock_path(warehouse).resolve()
    if path in _HELD:
        yield _HELD[path]
        return
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
        lock = _HELD[path] = WarehouseLock(path, handle)
        yield lock
    finally:
        if lock is not None:
            _HELD.pop(path, None)
            with contextlib.suppress(OSError, ValueError):
                handle.seek(0)
                handle.truncate()
        handle.close()  # drops the lock


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
    with hold(warehouse, timeout=timeout, report_every=report_every, poll=poll) as lock:
        free_dead_runs(instance, _alive_given_lock(instance))
        yield lock
