"""The audit log of actions and the role check, shared by the CLI and Dagster.

`authorize` answers which role a user acts in for a command (the roles of `access:` in the
configuration, ingestion/access_config.py); `record_action` appends one row to
`audit.actions`: who (the acting user and the OS user beside it), the role, the command, its
arguments (never a secret: only the arguments the command names, scrubbed of registered RPC
URLs), the outcome and its message. The table is append-only; a row with a given `action_id`
is written once (a re-run of the same record changes nothing). The CLI's commands use it
through usd1inv/access.py, runs launched by Dagster (UI, schedules, sensors) through
orchestration/run_audit.py.
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

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
    # runs launched by Dagster (UI, schedules, sensors, backfills): orchestration/run_audit.py
    "dagster run": ("operator", "admin"),
    "dagster close": ("preparer",),
}
UNRESTRICTED = "unrestricted"

DDL = """
create schema if not exists audit;
-- every state-changing command and Dagster run, allowed or refused; append-only
create table if not exists audit.actions (
    action_id varchar not null primary key,
    recorded_at timestamptz not null,
    actor varchar not null,              -- who acted: --as, else the OS user
    os_user varchar not null,            -- the OS user that ran the command
    role varchar,                        -- the role it acted in; unrestricted without roles
    command varchar not null,            -- e.g. 'close --approve', 'breaks resolve'
    arguments_json varchar not null,     -- the command's arguments, never a secret
    outcome varchar not null,            -- ok | refused | failed (| started: Dagster runs)
    message varchar
);
"""


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
    action_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def _arguments_json(arguments: dict) -> str:
    clean = {k: (redact(str(v)) if v is not None else None) for k, v in arguments.items()}
    return json.dumps(clean, sort_keys=True)


def record_action(con: duckdb.DuckDBPyConnection, action: Action, now: datetime | None = None):
    con.execute(DDL)
    con.execute(
        "insert into audit.actions values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing",
        [
            action.action_id,
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
