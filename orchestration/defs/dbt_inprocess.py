"""Run a dbt command inside the Dagster step's own process, with dagster-dbt's events.

`DbtCliResource.cli` starts a `dbt` subprocess per run: importing dbt, checking the partial
parse and connecting take seconds, as much as an incremental build's own work. Here dbt runs in
this process through its programmatic API (`dbtRunner`), with what `cli(...).stream()` gives:

- the selection dagster-dbt computes for the context (the asset subset of the run, and the
  indirect selection its asset checks need), through dagster-dbt's own function;
- the resource's project dir, profiles dir, profile, target and global flags, a target path of
  its own per run (the log path too, so concurrent runs do not clash) seeded with the project's
  `partial_parse.msgpack`, so parsing stays partial;
- the same Dagster events: each dbt event, as the structured-log dict the CLI prints, becomes a
  `DbtCoreCliEventMessage` turned into outputs, materializations and check results; a failed
  command fails the step with the error messages dbt logged.

dbt runs in a worker thread and its events are yielded as they come. Afterwards (success or
failure) every dbt-duckdb connection is closed: dbt-duckdb keeps its DuckDB database in a
class-level environment, and a later `duckdb.connect` of the same file in this process with
another configuration (read-only, say) would fail while it is open.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, get_dagster_logger
from dagster_dbt import DagsterDbtTranslator, DbtCliResource
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.errors import DagsterDbtCliRuntimeError

PARTIAL_PARSE_FILE_NAME = "partial_parse.msgpack"
RESULT_EVENTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}

logger = get_dagster_logger()


def _target_root() -> Path:
    """The dbt target folder, as dagster-dbt reads it (DBT_TARGET_PATH, else `target`)."""
    return Path(os.getenv("DBT_TARGET_PATH", "target"))


def unique_target_path(context: AssetExecutionContext, project_dir: Path) -> Path:
    """A target folder of this invocation, named as dagster-dbt names it."""
    unique_id = str(uuid.uuid4())[:7]
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{unique_id}"
    path = _target_root().joinpath(name)
    return path if path.is_absolute() else project_dir.joinpath(path)


def _seed_partial_parse(project_dir: Path, target_path: Path) -> None:
    """Copy the project's partial_parse.msgpack into the new target folder (as dagster-dbt)."""
    root = _target_root()
    source = (root if root.is_absolute() else project_dir / root) / PARTIAL_PARSE_FILE_NAME
    destination = target_path / PARTIAL_PARSE_FILE_NAME
    if source.exists() and not destination.exists():
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, destination)


def release_dbt_connections() -> None:
    """Close every connection dbt holds in this process, the DuckDB database file included.

    `reset_adapters` closes the adapters' connections; dbt-duckdb's class-level environment
    keeps the database itself open (its `close_all_connections` only forgets it), so it is
    closed explicitly.
    """
    from dbt.adapters.factory import reset_adapters

    with contextlib.suppress(Exception):
        reset_adapters()
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter: nothing held at class level
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


_DONE = object()


def dbt_cli_in_process(
    dbt: DbtCliResource,
    args: Sequence[str],
    *,
    context: AssetExecutionContext,
) -> Iterator[Any]:
    """`yield from dbt.cli(args, context=context).stream()`, with dbt in this process."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    cleaned_args, runtime_selects, runtime_excludes = extract_runtime_selection_from_args(args)
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest={},
        dagster_dbt_translator=DagsterDbtTranslator(),
        runtime_selects=runtime_selects,
        runtime_excludes=runtime_excludes,
    )
    project_dir = Path(params.dbt_project.project_dir if params.dbt_project else dbt.project_dir)
    target_path = unique_target_path(context, project_dir)
    _seed_partial_parse(project_dir, target_path)

    profile_args = [*(["--profile", dbt.profile] if dbt.profile else [])]
    profile_args += ["--target", dbt.target] if dbt.target else []
    dbt_args = [
        *dbt.global_config_flags,
        *cleaned_args,
        *profile_args,
        *params.selection_args,
        *(["--indirect-selection", params.indirect_selection] if params.indirect_selection else []),
        "--project-dir",
        str(project_dir),
        *(["--profiles-dir", str(dbt.profiles_dir)] if dbt.profiles_dir else []),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        "--no-send-anonymous-usage-stats",
        # no manifest.json / run_results.json per run (~0.5 s each build): Dagster's events
        # come from the callback, nothing reads those files
        "--no-write-json",
    ]
    command = " ".join(["dbt", *dbt_args])
    logger.info(f"Running dbt command in process: `{command}`.")

    events: queue.Queue[Any] = queue.Queue()

    def on_event(msg: Any) -> None:
        # what the CLI prints at its default log level: no debug events
        if msg.info.level == "debug":
            return
        events.put(msg_to_dict(msg))

    outcome: dict[str, Any] = {}

    def invoke() -> None:
        try:
            outcome["result"] = dbtRunner(callbacks=[on_event]).invoke(dbt_args)
        except BaseException as exc:  # reported by the step, below
            outcome["exception"] = exc
        finally:
            events.put(_DONE)

    worker = threading.Thread(target=invoke, name="dbt-in-process", daemon=True)
    errors: list[str] = []
    history: dict[str, dict[str, Any]] = {}
    worker.start()
    try:
        while (raw_event := events.get()) is not _DONE:
            if raw_event.get("info", {}).get("level") == "error":
                errors.append(raw_event["info"]["msg"])
            event = _to_event(raw_event, history)
            if event is None:
                continue
            yield from event.to_default_asset_events(
                manifest=params.manifest,
                dagster_dbt_translator=params.dagster_dbt_translator,
                context=context,
                target_path=target_path,
                project=params.dbt_project,
            )
    finally:
        worker.join()
        release_dbt_connections()
    logger.info(f"Finished dbt command in process: `{command}`.")

    result = outcome.get("result")
    exception = outcome.get("exception") or (result.exception if result is not None else None)
    if result is not None and result.success and not errors and exception is None:
        return
    details = "\n\n".join(["", "Errors parsed from dbt logs:", *errors]) if errors else ""
    if exception is not None:
        details += f"\n\ndbt raised: {exception!r}"
    log_path = target_path / "dbt.log"
    see_log = f" See the dbt debug log: {log_path}." if log_path.exists() else ""
    error = DagsterDbtCliRuntimeError(
        description=f"The dbt command (in process)\n\n`{command}`\n\nfailed.{see_log}{details}"
    )
    if isinstance(exception, Exception):
        raise error from exception
    raise error


def _to_event(
    raw_event: dict[str, Any], history: dict[str, dict[str, Any]]
) -> DbtCoreCliEventMessage | None:
    """The event dagster-dbt's stream would make of a log line, with its column metadata."""
    data = raw_event.get("data", {})
    unique_id = data.get("node_info", {}).get("unique_id") if isinstance(data, dict) else None
    info = raw_event.get("info", {})
    if info.get("name") == "JinjaLogInfo" and unique_id:
        # column-level metadata logged by dagster-dbt's macro: history, not an event
        with contextlib.suppress(json.JSONDecodeError):
            history[unique_id] = json.loads(info.get("msg", ""))
            return None
    metadata: dict[str, Any] = {}
    if unique_id and info.get("name") in RESULT_EVENTS and not unique_id.startswith("unit_test"):
        metadata = copy.deepcopy(history.get(unique_id, {}))
    return DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata=metadata)
