"""The break register worked by people: `usd1inv breaks list|show|assign|note|resolve|write-off`.

Every action is one row appended to `audit.break_events` (never updated in place) while the
warehouse lock (orchestration/runlock.py) is held, so it never races a run. The next build of
`marts.reconciliation_breaks` applies the events; `list` and `show` apply them at once
(`apply_events`: the same rules as the mart, over the last built row and every event of the
break), so an action shows immediately. An action that would change nothing (assign to the
current owner, resolve a break already resolved by hand for the same reason, the same note
again) is not recorded: repeating a command is safe.
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from ingestion.config import Config
from ingestion.reconciliation_config import init_reconciliation_tables

OPEN_STATUSES = ("open", "investigating", "explained")
CLOSED_STATUSES = ("resolved", "written_off")
NOTE_STATUSES = ("open", "investigating", "explained")
ACTIONS = ("assign", "note", "resolve", "write_off")


class BreakError(Exception):
    """A break that does not exist, or an action it cannot take (the CLI prints it, exit 1)."""


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def age_bucket(age_days: int) -> str:
    if age_days <= 1:
        return "0-1"
    if age_days <= 7:
        return "2-7"
    if age_days <= 30:
        return "8-30"
    return ">30"


def _latest(events: list[dict], keep) -> dict | None:
    chosen = [e for e in events if keep(e)]
    return max(chosen, key=lambda e: (e["recorded_at"], e["event_id"])) if chosen else None


def apply_events(row: dict[str, Any], events: list[dict[str, Any]], tz: ZoneInfo) -> dict:
    """The register row as the mart would build it with these events (the rules of
    marts.reconciliation_breaks: owner, last note, status, resolution, age and SLA)."""
    out = dict(row)
    events = [e for e in events if e["break_id"] == row["break_id"]]
    owner = _latest(events, lambda e: e["action"] == "assign")
    note = _latest(events, lambda e: e["note"] is not None)
    manual = _latest(events, lambda e: e["status"] is not None)
    manual_status = manual["status"] if manual else None
    manual_date = manual["recorded_at"].astimezone(tz).date() if manual else None
    reopened = manual_status == "resolved" and row["last_break_date"] > manual_date
    cleared = row["cleared_date"]
    if manual_status in CLOSED_STATUSES and not reopened:
        status, closed_by = manual_status, "hand"
    elif cleared is not None:
        status, closed_by = "resolved", "data"
    elif manual_status in ("investigating", "explained"):
        status, closed_by = manual_status, None
    else:
        status, closed_by = "open", None
    out.update(
        status=status,
        is_open=status in OPEN_STATUSES,
        is_reopened=reopened,
        owner=owner["owner"] if owner else None,
        last_note=note["note"] if note else None,
        last_note_by=note["actor"] if note else None,
        last_note_at=note["recorded_at"] if note else None,
        event_count=len(events),
        last_action_at=max((e["recorded_at"] for e in events), default=None),
    )
    if closed_by == "hand":
        out.update(
            resolution_reason=manual["reason"],
            resolved_at=manual["recorded_at"],
            resolved_by=manual["actor"],
            closed_date=manual_date,
        )
    elif closed_by == "data":
        out.update(
            resolution_reason=f"cleared by data on {cleared.isoformat()}",
            resolved_at=row["cleared_at"],
            resolved_by="data",
            closed_date=cleared,
        )
    else:
        out.update(resolution_reason=None, resolved_at=None, resolved_by=None, closed_date=None)
    latest: date = row["as_of_date"]
    closed = out["closed_date"]
    end = closed if closed is not None and closed < latest else latest
    age = (end - row["opened_date"]).days
    overdue = age > row["max_break_age_days"]
    out.update(
        age_days=age,
        age_bucket=age_bucket(age),
        sla_status="overdue" if overdue else "within_sla",
        is_overdue=overdue,
    )
    return out


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _has_register(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'reconciliation_breaks'"
        ).fetchone()[0]
    )


def read_register(con: duckdb.DuckDBPyConnection, tz: ZoneInfo) -> list[dict]:
    """Every break of the last build, with every recorded event applied."""
    if not _has_register(con):
        raise BreakError(
            "marts.reconciliation_breaks is not built yet: run `usd1inv run` (or `usd1inv demo`)"
        )
    rows = _dicts(con, "select * from marts.reconciliation_breaks")
    events = _dicts(con, "select * from audit.break_events")
    by_break: dict[str, list[dict]] = {}
    for e in events:
        by_break.setdefault(e["break_id"], []).append(e)
    return [apply_events(r, by_break.get(r["break_id"], []), tz) for r in rows]


def events_of(con: duckdb.DuckDBPyConnection, break_id: str) -> list[dict]:
    return _dicts(
        con,
        "select * from audit.break_events where break_id = ? order by recorded_at, event_id",
        [break_id],
    )


def find(rows: list[dict], break_id: str) -> dict:
    for row in rows:
        if row["break_id"] == break_id:
            return row
    raise BreakError(
        f"no break {break_id!r} in marts.reconciliation_breaks (see `usd1inv breaks list`)"
    )


@contextmanager
def register(config: Config, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, opened while holding the warehouse lock: a run cannot write meanwhile,
    and this never blocks a run's writer for longer than the command."""
    from orchestration.pipeline import dagster_instance
    from orchestration.runlock import warehouse_lock

    with warehouse_lock(config.warehouse_path, dagster_instance(config)):
        con = duckdb.connect(str(config.warehouse_path), read_only=not write)
        try:
            if write:
                init_reconciliation_tables(con)
            yield con
        finally:
            con.close()


def record(
    con: duckdb.DuckDBPyConnection,
    tz: ZoneInfo,
    break_id: str,
    action: str,
    actor: str,
    *,
    owner: str | None = None,
    status: str | None = None,
    reason: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[bool, dict]:
    """Append one action to audit.break_events unless it changes nothing; return (recorded,
    the break as it is now)."""
    if action not in ACTIONS:
        raise BreakError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if action in ("resolve", "write_off") and not (reason or "").strip():
        raise BreakError(f"{action.replace('_', '-')} needs a reason (--reason)")
    if action == "assign" and not (owner or "").strip():
        raise BreakError("assign needs an owner (--to)")
    if action == "note" and not (note or "").strip() and status is None:
        raise BreakError("note needs a text (or --status)")
    if status is not None and action == "note" and status not in NOTE_STATUSES:
        raise BreakError(f"a note can set the status to {', '.join(NOTE_STATUSES)}, not {status!r}")
    if action == "resolve":
        status = "resolved"
    elif action == "write_off":
        status = "written_off"
    rows = read_register(con, tz)
    current = find(rows, break_id)
    if _changes_nothing(current, action, owner, status, reason, note):
        return False, current
    con.execute(
        "insert into audit.break_events (event_id, break_id, action, status, owner, reason, "
        "note, actor, recorded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            str(uuid.uuid4()),
            break_id,
            action,
            status,
            owner,
            reason,
            note,
            actor,
            now or datetime.now(UTC),
        ],
    )
    return True, find(read_register(con, tz), break_id)


def _changes_nothing(current: dict, action, owner, status, reason, note) -> bool:
    if action == "assign":
        return current["owner"] == owner
    if action in ("resolve", "write_off"):
        return (
            current["status"] == status
            and current["resolved_by"] != "data"
            and current["resolution_reason"] == reason
        )
    same_status = status is None or current["status"] == status
    return same_status and (note is None or current["last_note"] == note)
