"""The break register worked from the CLI (usd1inv/breaks.py): the rules that apply recorded
actions to a built break (the same as marts.reconciliation_breaks'), and recording them in a
real DuckDB file: append-only, reasons required, repeats change nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest

from ingestion.reconciliation_config import init_reconciliation_tables
from usd1inv.breaks import BreakError, apply_events, read_register, record

UTC_ZONE = ZoneInfo("UTC")


def _row(**over) -> dict:
    row = {
        "break_id": "BRK-1",
        "comparison": "custodian_vs_ledger",
        "opened_date": date(2026, 10, 1),
        "last_break_date": date(2026, 10, 5),
        "as_of_date": date(2026, 10, 5),
        "cleared_date": None,
        "cleared_at": None,
        "max_break_age_days": 3,
    }
    row.update(over)
    return row


def _event(n: int, action: str, at: str, **fields) -> dict:
    event = {"event_id": f"e{n}", "break_id": "BRK-1", "action": action, "actor": "ana"}
    event.update({k: fields.get(k) for k in ("status", "owner", "reason", "note")})
    event["recorded_at"] = datetime.fromisoformat(at).replace(tzinfo=UTC)
    return event


def test_an_open_break_ages_and_goes_overdue():
    out = apply_events(_row(), [], UTC_ZONE)
    assert (out["status"], out["age_days"], out["sla_status"], out["age_bucket"]) == (
        "open",
        4,
        "overdue",
        "2-7",
    )


def test_cleared_by_data_closes_itself():
    cleared = datetime(2026, 10, 4, tzinfo=UTC)
    out = apply_events(
        _row(last_break_date=date(2026, 10, 3), cleared_date=date(2026, 10, 4), cleared_at=cleared),
        [],
        UTC_ZONE,
    )
    assert out["status"] == "resolved" and out["resolved_by"] == "data"
    assert out["resolution_reason"] == "cleared by data on 2026-10-04"
    assert out["age_days"] == 3 and out["resolved_at"] == cleared


def test_resolved_by_hand_reopens_while_the_data_disagrees_later():
    events = [
        _event(1, "assign", "2026-10-02T08:00:00", owner="bo"),
        _event(2, "resolve", "2026-10-02T09:00:00", status="resolved", reason="booked"),
    ]
    out = apply_events(_row(), events, UTC_ZONE)
    assert (out["status"], out["is_reopened"], out["owner"]) == ("open", True, "bo")
    # resolved after the last day the data disagreed: it stays resolved
    out = apply_events(_row(last_break_date=date(2026, 10, 2)), events, UTC_ZONE)
    assert (out["status"], out["resolution_reason"], out["closed_date"]) == (
        "resolved",
        "booked",
        date(2026, 10, 2),
    )


def _warehouse(tmp_path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    init_reconciliation_tables(con)
    con.execute("create schema if not exists marts")
    con.execute(
        "create table marts.reconciliation_breaks as select 'BRK-1' as break_id, "
        "date '2026-10-01' as opened_date, date '2026-10-05' as last_break_date, "
        "date '2026-10-05' as as_of_date, null::date as cleared_date, "
        "null::timestamptz as cleared_at, 3 as max_break_age_days, 'open' as status"
    )
    return con


def test_actions_are_appended_and_repeats_change_nothing(tmp_path):
    con = _warehouse(tmp_path)
    when = datetime(2026, 12, 1, 9, tzinfo=UTC)
    done, row = record(con, UTC_ZONE, "BRK-1", "assign", "lead", owner="ana", now=when)
    assert done and row["owner"] == "ana"
    done, _ = record(con, UTC_ZONE, "BRK-1", "assign", "lead", owner="ana", now=when)
    assert not done  # the same assignment again: nothing recorded
    later = when + timedelta(minutes=1)
    record(con, UTC_ZONE, "BRK-1", "note", "ana", note="asked", status="investigating", now=later)
    when = later + timedelta(minutes=1)
    with pytest.raises(BreakError, match="reason"):
        record(con, UTC_ZONE, "BRK-1", "resolve", "ana", reason=" ", now=when)
    done, row = record(con, UTC_ZONE, "BRK-1", "resolve", "ana", reason="booked", now=when)
    assert done and (row["status"], row["resolved_by"]) == ("resolved", "ana")
    assert not record(con, UTC_ZONE, "BRK-1", "resolve", "ana", reason="booked", now=when)[0]
    with pytest.raises(BreakError, match="no break"):
        record(con, UTC_ZONE, "BRK-9", "assign", "lead", owner="ana", now=when)
    actions = con.execute(
        "select action, status, owner, reason, note, actor from audit.break_events "
        "order by recorded_at, action"
    ).fetchall()
    assert sorted(actions) == sorted(
        [
            ("assign", None, "ana", None, None, "lead"),
            ("note", "investigating", None, None, "asked", "ana"),
            ("resolve", "resolved", None, "booked", None, "ana"),
        ]
    )
    (shown,) = read_register(con, UTC_ZONE)
    assert (shown["status"], shown["owner"], shown["last_note"]) == ("resolved", "ana", "asked")
