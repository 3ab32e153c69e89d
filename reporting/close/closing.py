"""Close and reopen a period: `audit.closed_periods` and the log `audit.close_events`.

Closing snapshots the period's sources under a new close id (`2026-10-v1`, then `-v2` after a
reopen), with the content hash, in one transaction. A closed period refuses a second close; a
reopen needs a reason, which is logged, and keeps the old snapshot as history.

Periods close in order: closing one whose previous period is still open is allowed but logged
as a `warning` event of the close (and `usd1inv close --require-prior-closed` refuses it). The
first period of the warehouse's data (no roll-forward rows before it) has no prior to close.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from reporting.close.adjustments import record_adjustments
from reporting.close.periods import Period
from reporting.close.snapshot import (
    Table,
    content_hash,
    init_close_tables,
    load_snapshot,
    store_snapshot,
)
from reporting.close.sources import collect_sources, table_columns

CHECKS_DDL = (
    "create or replace temp table _close_checks (check_name varchar, severity varchar, "
    "status varchar, detail varchar)"
)


class CloseError(RuntimeError):
    """A close that cannot be done as asked; the message says what to do instead."""


@dataclass(frozen=True)
class Check:
    name: str
    severity: str  # error | warn | info
    status: str  # passed | failed
    detail: str = ""


@dataclass(frozen=True)
class ClosedPeriod:
    period: str
    period_type: str
    close_id: str
    version: int
    closed_at: datetime
    closed_by: str
    run_id: str | None
    content_hash: str
    entities: str
    reporting_timezone: str | None


def current_actor() -> str:
    return os.environ.get("USD1INV_USER") or getpass.getuser()


def _row(row: tuple) -> ClosedPeriod:
    return ClosedPeriod(*row)


SELECT_CLOSE = (
    "select period, period_type, close_id, version, closed_at, closed_by, run_id, "
    "content_hash, entities, reporting_timezone from audit.closed_periods"
)


def current_close(con: duckdb.DuckDBPyConnection, period: Period) -> ClosedPeriod | None:
    """The close in force for a period, or None if it is open (never closed, or reopened)."""
    if not table_columns(con, "audit.closed_periods"):
        return None
    row = con.execute(
        f"{SELECT_CLOSE} where period = ? and status = 'closed' order by version desc limit 1",
        [period.name],
    ).fetchone()
    return _row(row) if row else None


def log_event(
    con: duckdb.DuckDBPyConnection,
    event: str,
    period: Period,
    *,
    now: datetime,
    actor: str,
    close_id: str | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    con.execute(
        "insert into audit.close_events values (?, ?, ?, ?, ?, ?, ?)",
        [now, event, period.name, close_id, actor, reason, detail],
    )


def open_prior_period(con: duckdb.DuckDBPyConnection, period: Period) -> Period | None:
    """The period before `period` when it is still open (never closed, or reopened) and the
    warehouse has data before `period`; None otherwise (the first period of the data)."""
    if not table_columns(con, "marts.inventory_rollforward"):
        return None
    (earlier,) = con.execute(
        "select count(*) from marts.inventory_rollforward where period_start_date < ?",
        [period.start_date],
    ).fetchone()
    if not earlier:
        return None
    prior = period.previous()
    return prior if current_close(con, prior) is None else None


def prior_open_message(prior: Period, period: Period) -> str:
    return (
        f"the prior period {prior.name} is open (not closed) while {period.name} closes: "
        f"close {prior.name} first (`usd1inv close --period {prior.name}`), or record why "
        f"{period.name} closes before it"
    )


def checks_from_failures(con: duckdb.DuckDBPyConnection, run_id: str | None) -> list[Check]:
    """Check status of a run from audit.expectation_failures (when the close ran no build)."""
    failures = []
    if run_id and table_columns(con, "audit.expectation_failures"):
        failures = con.execute(
            "select suite || ':' || expectation, severity, description "
            "from audit.expectation_failures where run_id = ? order by 1",
            [run_id],
        ).fetchall()
    if not failures:
        return [Check("great_expectations", "info", "passed", f"no failed check in run {run_id}")]
    return [Check(name, severity, "failed", detail) for name, severity, detail in failures]


def _store_checks(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> None:
    con.execute(CHECKS_DDL)
    rows = sorted({(c.name, c.severity, c.status, c.detail) for c in checks})
    if rows:
        con.executemany("insert into _close_checks values (?, ?, ?, ?)", rows)


def _check_complete(con: duckdb.DuckDBPyConnection, period: Period, allow: bool) -> None:
    if not table_columns(con, "marts.inventory_rollforward"):
        raise CloseError("marts.inventory_rollforward does not exist: run `usd1inv run` first")
    count, incomplete = con.execute(
        "select count(*), count(*) filter (where not is_period_complete) "
        "from marts.inventory_rollforward where period = ?",
        [period.name],
    ).fetchone()
    if count == 0:
        raise CloseError(
            f"period {period.name}: no roll-forward rows in the warehouse; run `usd1inv run "
            f"--from {period.start_date} --to {period.end_date}` first"
        )
    if incomplete and not allow:
        raise CloseError(
            f"period {period.name} is not complete (the warehouse has no data to its last day "
            f"{period.end_date}); run the missing days, or pass --allow-incomplete"
        )


def reopen_period(
    con: duckdb.DuckDBPyConnection, period: Period, reason: str, *, now: datetime, actor: str
) -> ClosedPeriod:
    """Mark the period's close reopened with the reason (its snapshot stays, as history)."""
    init_close_tables(con)
    if not (reason or "").strip():
        raise CloseError("--reopen needs --reason: say why the closed period is reopened")
    closed = current_close(con, period)
    if closed is None:
        raise CloseError(f"period {period.name} is not closed: nothing to reopen")
    con.execute(
        "update audit.closed_periods set status = 'reopened', reopened_at = ?, "
        "reopen_reason = ? where close_id = ?",
        [now, reason.strip(), closed.close_id],
    )
    log_event(
        con,
        "reopen",
        period,
        now=now,
        actor=actor,
        close_id=closed.close_id,
        reason=reason.strip(),
    )
    return closed


def close_period(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    now: datetime,
    actor: str,
    run_id: str | None,
    checks: list[Check] | None = None,
    reopen_reason: str | None = None,
    allow_incomplete: bool = False,
    reporting_timezone: str | None = None,
) -> tuple[ClosedPeriod, dict[str, Table]]:
    """Snapshot the period into audit (one transaction); refuse if it is already closed,
    unless `reopen_reason` is given (then the old close is reopened first)."""
    init_close_tables(con)
    con.execute("begin transaction")
    try:
        existing = current_close(con, period)
        if existing is not None and reopen_reason is None:
            raise CloseError(
                f"period {period.name} is already closed ({existing.close_id}, "
                f"{existing.closed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC by "
                f"{existing.closed_by}, content hash {existing.content_hash[:12]}); to close it "
                f"again pass --reopen "
                f"--reason '...'"
            )
        if existing is not None:
            reopen_period(con, period, reopen_reason or "", now=now, actor=actor)
        _check_complete(con, period, allow_incomplete)
        prior = open_prior_period(con, period)
        record_adjustments(con, now)  # late data of earlier closes, listed in this pack
        names = collect_sources(con, period)
        _store_checks(con, checks if checks is not None else checks_from_failures(con, run_id))
        names.append("checks")
        version = (
            1
            + con.execute(
                "select count(*) from audit.closed_periods where period = ?", [period.name]
            ).fetchone()[0]
        )
        close_id = f"{period.name}-v{version}"
        tables = store_snapshot(con, close_id, names)
        entities = (
            ", ".join(r["entity"] for r in tables["entities"].dicts())
            if ("entities" in tables)
            else ""
        )
        closed = ClosedPeriod(
            period.name,
            period.period_type,
            close_id,
            version,
            now,
            actor,
            run_id,
            content_hash(tables),
            entities,
            reporting_timezone,
        )
        con.execute(
            "insert into audit.closed_periods (period, period_type, period_start_date, "
            "period_end_date, status, closed_at, closed_by, run_id, content_hash, close_id, "
            "version, entities, reporting_timezone) "
            "values (?, ?, ?, ?, 'closed', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                period.name,
                period.period_type,
                period.start_date,
                period.end_date,
                now,
                actor,
                run_id,
                closed.content_hash,
                close_id,
                version,
                entities,
                reporting_timezone,
            ],
        )
        log_event(
            con,
            "close",
            period,
            now=now,
            actor=actor,
            close_id=close_id,
            reason=reopen_reason,
            detail=f"content hash {closed.content_hash}",
        )
        if prior is not None:
            log_event(
                con,
                "warning",
                period,
                now=now,
                actor=actor,
                close_id=close_id,
                detail=prior_open_message(prior, period),
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return closed, load_snapshot(con, close_id)
