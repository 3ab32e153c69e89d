"""Separation of duties and the audit log of actions.

Every command that changes state asks `authorize` whether its caller may (the roles of
`access:` in the configuration, ingestion/access_config.py) and is recorded in
`audit.actions` by `audited`, allowed or refused: who (the name given with `--as`, else the OS
user, and the OS user beside it), the role it acted in, the command, its arguments (never a
secret: only the arguments the command names, scrubbed of registered RPC URLs) and the
outcome (`ok`, `refused` or `failed`) with its message. The table is append-only and published
with the snapshot for the dashboard's close page.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import click
import duckdb
import typer

from ingestion.config import Config
from ingestion.secrets import redact

# the roles allowed to run each state-changing command (any one of them suffices)
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "run": ("operator", "admin"),
    "onchain backfill": ("operator", "admin"),
    "onchain import-transfers": ("operator", "admin"),
    "breaks assign": ("operator", "preparer", "approver", "admin"),
    "breaks note": ("operator", "preparer", "approver", "admin"),
    "breaks resolve": ("operator", "approver", "admin"),
    "breaks write-off": ("approver", "admin"),
    "close": ("preparer",),
    "close --reopen": ("admin",),
    "close --approve": ("approver",),
    "retention apply": ("admin",),
}
UNRESTRICTED = "unrestricted"
AS_OPTION = typer.Option(
    None, "--as", help="Act as this user (checked against access.roles); default: the OS user."
)

DDL = """
create schema if not exists audit;
-- every state-changing command, allowed or refused (usd1inv/access.py); append-only
create table if not exists audit.actions (
    action_id varchar not null primary key,
    recorded_at timestamptz not null,
    actor varchar not null,              -- who acted: --as, else the OS user
    os_user varchar not null,            -- the OS user that ran the command
    role varchar,                        -- the role it acted in; unrestricted without roles
    command varchar not null,            -- e.g. 'close --approve', 'breaks resolve'
    arguments_json varchar not null,     -- the command's arguments, never a secret
    outcome varchar not null,            -- ok | refused | failed
    message varchar
);
"""


_CURRENT: ContextVar[Action | None] = ContextVar("usd1inv_action", default=None)


class AccessDeniedError(RuntimeError):
    """The caller has no role that may run the command."""


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        return "unknown"


def caller(as_user: str | None) -> str:
    """The acting user: the name given with --as, else USD1INV_USER, else the OS user."""
    return (as_user or "").strip() or os.environ.get("USD1INV_USER") or os_user()


def authorize(config: Config, command: str, user: str) -> str:
    """The role `user` acts in for `command`; AccessDeniedError when none of theirs allows it."""
    allowed = ACTION_ROLES[command]
    if not config.access.enforced:
        return UNRESTRICTED
    mine = config.access.roles_of(user)
    if not mine:
        raise AccessDeniedError(
            f"{command}: {user!r} is not a user of this configuration (access.roles); it "
            f"needs the role {' or '.join(allowed)}"
        )
    for role in allowed:
        if role in mine:
            return role
    raise AccessDeniedError(
        f"{command}: {user!r} has the role {', '.join(mine)}; it needs {' or '.join(allowed)}"
    )


@dataclass
class Action:
    command: str
    actor: str
    arguments: dict
    role: str | None = None
    outcome: str = "ok"
    message: str | None = None


def _arguments_json(arguments: dict) -> str:
    clean = {k: (redact(str(v)) if v is not None else None) for k, v in arguments.items()}
    return json.dumps(clean, sort_keys=True)


def record_action(con: duckdb.DuckDBPyConnection, action: Action, now: datetime | None = None):
    con.execute(DDL)
    con.execute(
        "insert into audit.actions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            str(uuid.uuid4()),
            now or datetime.now(UTC),
            action.actor,
            os_user(),
            action.role,
            action.command,
            _arguments_json(action.arguments),
            action.outcome,
            redact(action.message)[:2000] if action.message else None,
        ],
    )


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


def read_actions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """audit.actions in the order they happened ([] before the first action)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' "
        "and table_name = 'actions'"
    ).fetchone()[0]
    if not exists:
        return []
    cur = con.execute("select * from audit.actions order by recorded_at, action_id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def note_failure(message: str) -> None:
    """The reason a command fails, kept for the action being recorded (if any)."""
    action = _CURRENT.get()
    if action is not None and action.message is None:
        action.message = message
