"""Closing a period: the snapshot in `audit` with its content hash, the refusal to re-close,
reopen with a reason, and snapshots that never change (real DuckDB files)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reporting.close.closing import CloseError, close_period, reopen_period
from reporting.close.periods import parse_period
from reporting.close.snapshot import SnapshotError, content_hash, load_snapshot
from tests.close_warehouse import HOT, build_close_warehouse

OCTOBER = parse_period("2026-10")
T0 = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(build_close_warehouse(tmp_path / "warehouse.duckdb")))
    yield connection
    connection.close()


def _close(con, **kwargs):
    return close_period(con, OCTOBER, now=T0, actor="alice", run_id="run-1", **kwargs)


def test_close_snapshots_the_period_with_a_content_hash(con):
    closed, tables = _close(con, reporting_timezone="America/New_York")
    assert closed.close_id == "2026-10-v1"
    assert closed.content_hash == content_hash(tables)
    assert len(closed.content_hash) == 64
    row = con.execute(
        "select period, period_type, period_start_date, period_end_date, status, closed_at, "
        "closed_by, run_id, content_hash, reopened_at, reopen_reason from audit.closed_periods"
    ).fetchone()
    assert row[:5] == ("2026-10", "month", OCTOBER.start_date, OCTOBER.end_date, "closed")
    assert row[5] == T0 and row[6:9] == ("alice", "run-1", closed.content_hash)
    assert row[9:] == (None, None)
    # only the period's rows: October's roll-forward, the daily rows of October, the month end
    assert {r["period"] for r in tables["inventory_rollforward"].dicts()} == {"2026-10"}
    days = {r["as_of_date"] for r in tables["inventory_daily"].dicts()}
    assert days == {OCTOBER.end_date, OCTOBER.end_date.replace(day=30)}
    assert [r["block_hash"] for r in tables["cutoff_blocks"].dicts()] == ["0xbbbcutoff"]
    assert [r["measurement_basis"] for r in tables["policies"].dicts()] == ["fair_value"]
    assert [r["period"] for r in tables["fair_value_prior"].dicts()] == ["2026-09"]
    events = con.execute("select event, period, close_id, actor from audit.close_events").fetchall()
    assert events == [("close", "2026-10", "2026-10-v1", "alice")]


def test_the_snapshot_reads_back_identically_and_unavailable_marts_are_absent(con):
    closed, tables = _close(con)
    again = load_snapshot(con, closed.close_id)
    assert again == tables
    assert content_hash(again) == closed.content_hash
    assert "concentration" not in tables and "reconciliation_breaks" not in tables


def test_closing_again_is_refused_without_reopen_and_changes_nothing(con):
    closed, _ = _close(con)
    before = con.execute("select * from audit.closed_periods").fetchall()
    with pytest.raises(CloseError, match=r"already closed .*--reopen --reason"):
        _close(con)
    assert con.execute("select * from audit.closed_periods").fetchall() == before
    assert con.execute("select count(*) from audit.close_snapshot_tables").fetchone()[0] == len(
        load_snapshot(con, closed.close_id)
    )


def test_reopen_needs_a_reason_and_keeps_the_old_snapshot(con):
    first, first_tables = _close(con)
    with pytest.raises(CloseError, match="needs --reason"):
        reopen_period(con, OCTOBER, "  ", now=T1, actor="bob")
    con.execute(
        "update marts.inventory_rollforward set closing_balance = closing_balance + 1 "
        "where period = '2026-10' and location_id = ?",
        [HOT],
    )
    second, _ = close_period(
        con, OCTOBER, now=T1, actor="bob", run_id="run-2", reopen_reason="late statement"
    )
    assert second.close_id == "2026-10-v2" and second.content_hash != first.content_hash
    rows = con.execute(
        "select close_id, status, reopened_at, reopen_reason from audit.closed_periods "
        "order by version"
    ).fetchall()
    assert rows == [
        ("2026-10-v1", "reopened", T1, "late statement"),
        ("2026-10-v2", "closed", None, None),
    ]
    assert load_snapshot(con, first.close_id) == first_tables  # history stays
    events = con.execute(
        "select event, close_id, actor, reason from audit.close_events order by event_at, event"
    ).fetchall()
    assert ("reopen", "2026-10-v1", "bob", "late statement") in events


def test_an_altered_snapshot_is_detected(con):
    closed, _ = _close(con)
    con.execute(
        "update audit.close_snapshot_inventory_rollforward set closing_balance = 0 "
        "where close_id = ? and location_id = ?",
        [closed.close_id, HOT],
    )
    with pytest.raises(SnapshotError, match="no longer matches its content hash"):
        load_snapshot(con, closed.close_id)


def test_a_mart_that_grows_a_column_leaves_old_snapshots_as_they_were(con):
    closed, tables = _close(con)
    con.execute("alter table marts.inventory_rollforward add column note varchar default 'x'")
    again = load_snapshot(con, closed.close_id)
    assert again["inventory_rollforward"].columns == tables["inventory_rollforward"].columns
    assert content_hash(again) == closed.content_hash
    # a later close stores the new column
    _, november = close_period(
        con, parse_period("2026-11"), now=T1, actor="a", run_id=None, allow_incomplete=True
    )
    assert november["inventory_rollforward"].has("note")


def test_an_incomplete_or_empty_period_is_refused(con):
    november = parse_period("2026-11")
    with pytest.raises(CloseError, match="not complete"):
        close_period(con, november, now=T1, actor="a", run_id=None)
    with pytest.raises(CloseError, match="no roll-forward rows"):
        close_period(con, parse_period("2027-01"), now=T1, actor="a", run_id=None)
    assert con.execute("select count(*) from audit.closed_periods").fetchone()[0] == 0


def test_the_content_hash_does_not_depend_on_row_order(tmp_path: Path):
    hashes = []
    for name, order in (("a", "asc"), ("b", "desc")):
        path = build_close_warehouse(tmp_path / name / "warehouse.duckdb")
        con = duckdb.connect(str(path))
        con.execute(
            "create or replace table marts.inventory_daily as select * from marts.inventory_daily "
            f"order by location_id {order}, as_of_date {order}"
        )
        closed, _ = close_period(con, OCTOBER, now=T0, actor="a", run_id="r")
        hashes.append(closed.content_hash)
        con.close()
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashlib.sha256(b"").hexdigest()


def test_the_check_status_of_the_run_is_snapshotted_and_on_the_cover(con):
    from reporting.close.closing import Check
    from reporting.close.pack import build_pack

    checks = [
        Check("marts/reconciliation:has_no_break", "warn", "failed", "build_marts run r"),
        Check("marts/inventory_daily:integrity", "error", "passed", "build_marts run r"),
    ]
    closed, tables = _close(con, checks=checks)
    assert {r["check_name"]: r["status"] for r in tables["checks"].dicts()} == {
        "marts/reconciliation:has_no_break": "failed",
        "marts/inventory_daily:integrity": "passed",
    }
    cover = dict(build_pack(closed, tables).cover)
    assert cover["Check status"] == "1 failed of 2 (0 blocking)"
