"""Separation of duties for the CLI: the `--as` option and `audited`.

Every CLI command that changes state asks `authorize` (ingestion/audit_actions.py) whether
its caller may (the roles of `access:` in the configuration, ingestion/access_config.py) and
is recorded in `audit.actions` by `audited`, allowed or refused, with its outcome (`ok`,
`refused` or `failed`) and message. Runs launched by Dagster itself are checked and recorded
by orchestration/run_audit.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import click
import duckdb
import typer

from ingestion.audit_actions import (  # noqa: F401 - the CLI's names for the shared core
    ACTION_ROLES,
    DDL,
    UNRESTRICTED,
    AccessDeniedError,
    Action,
    authorize,
    caller,
    os_user,
    read_actions,
    record_action,
)
from ingestion.config import Config

AS_OPTION = typer.Option(
    None, "--as", help="Act as this user (checked against access.roles); default: the OS user."
)
_CURRENT: ContextVar[Action | None] = ContextVar("usd1inv_action", default=None)


def append_action(config: Config, action: Action) -> None:
    """Append one row under the warehouse's lock (re-entrant: fine inside a command's own
    hold). Before the first run there is no warehouse and nothing to protect: a command that
    fails or is refused then leaves no file behind (and no row)."""
    from orchestration.runlock import hold

    if not config.warehouse_path.exists():
        return
    with hold(config.warehouse_path):
        con = duckdb.connect(str(config.warehouse_path))
        try:
            record_action(con, action)
        finally:
            con.close()


@contextmanager
def audited(config: Config, command: str, as_user: str | None, arguments: dict) -> Iterator[Action]:
    """Check the caller's role, run the body, and record the action with its outcome. A
    refusal is recorded and leaves the command with exit code 1 and the reason."""
    action = Action(command=command, actor=caller(as_user), arguments=arguments)
    try:
        action.role = authorize(config, command, action.actor)
    except AccessDeniedError as exc:
        action.outcome, action.message = "refused", str(exc)
        append_action(config, action)
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
    token = _CURRENT.set(action)
    try:
        yield action
    except (typer.Exit, click.exceptions.Exit) as exc:
        if exc.exit_code not in (0, None) and action.outcome == "ok":
            action.outcome = "failed"
        raise
    except BaseException as exc:
        action.outcome = "failed"
        action.message = action.message or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _CURRENT.reset(token)
        append_action(config, action)


def note_failure(message: str) -> None:
    """The reason a command fails, kept for the action being recorded (if any)."""
    action = _CURRENT.get()
    if action is not None and action.message is None:
        action.message = message
