"""Late data for a closed period: the closed snapshot stays, the diff shows what moved, and the
first open period carries it as a prior-period adjustment (real DuckDB files)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from reporting.close.adjustments import period_diff, record_adjustments
from reporting.close.closing import close_period
from reporting.close.pack import build_pack
from reporting.close.periods import parse_period
from reporting.close.snapshot import content_hash, load_snapshot
from tests.close_warehouse import HOT, VAULT, build_close_warehouse

OCTOBER, NOVEMBER = parse_period("2026-10"), parse_period("2026-11")
T0 = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def closed(tmp_path: Path):
    con = duckdb.connect(str(build_close_warehouse(tmp_path / "warehouse.duckdb")))
    closed, _ = close_period(con, OCTOBER, now=T0, actor="alice", run_id="run-1")
    yield con, closed
    con.close()


def _late_statement(con, amount: str) -> None:
    """A corrected custodian statement for October lands and the marts are rebuilt."""
    con.execute(
        "insert into audit.files select source, kind, 'vault_20261101_corrected.json', "
        "'beefbeef' || ?, 'loaded', rows_loaded, rows_quarantined, statement_key, null, null, "
        "timestamptz '2026-11-04 09:00:00+00' from audit.files limit 1",
        [amount],
    )
    con.execute(
        "update marts.reconciliation set right_balance = right_balance + ?::decimal(38,18) "
        "where as_of_date = '2026-10-31' and location_id = ?",
        [amount, VAULT],
    )
    con.execute(
        "update marts.inventory_rollforward set inflows_external = inflows_external + "
        "?::decimal(38,18), closing_balance = closing_balance + ?::decimal(38,18) "
        "where period = '2026-10' and location_id = ?",
        [amount, amount, HOT],
    )


def test_no_late_data_no_diff(closed):
    con, close = closed
    assert period_diff(con, close.close_id, OCTOBER) == []
    assert record_adjustments(con, T1) == 0


def test_late_data_changes_nothing_closed_and_shows_in_the_diff(closed):
    con, close = closed
    _late_statement(con, "7.5")
    assert content_hash(load_snapshot(con, close.close_id)) == close.content_hash
    changes = {
        (c.location_id, c.comparison_or_measure): c
        for c in period_diff(con, close.close_id, OCTOBER)
    }
    assert set(changes) == {
        (VAULT, "custodian_vs_ledger:right_balance"),
        (HOT, "rollforward:inflows_external"),
        (HOT, "rollforward:closing_balance"),
    }
    change = changes[(HOT, "rollforward:closing_balance")]
    assert change.closed_value == Decimal("105.749999")
    assert change.live_value == Decimal("113.249999")
    assert change.adjustment == Decimal("7.5")


def test_adjustments_go_to_the_first_open_period_once(closed):
    con, _ = closed
    _late_statement(con, "7.5")
    assert record_adjustments(con, T1) == 3
    first = con.execute("select * from audit.period_adjustments order by all").fetchall()
    assert record_adjustments(con, T2) == 3  # idempotent: same rows, same detection time
    assert con.execute("select * from audit.period_adjustments order by all").fetchall() == first
    row = con.execute(
        "select adjustment_period, closed_period, entity, network, closed_value, live_value, "
        "adjustment, detected_at, explanation from audit.period_adjustments "
        "where comparison_or_measure = 'rollforward:closing_balance'"
    ).fetchone()
    assert row[:4] == ("2026-11", "2026-10", "acme", "ethereum")
    assert row[4:7] == (Decimal("105.749999"), Decimal("113.249999"), Decimal("7.5"))
    assert row[7] == T1
    assert "vault_20261101_corrected.json" in row[8]  # the file loaded after the close
    assert "vault_20261101.json" not in row[8]  # loaded before the close


def test_the_next_periods_pack_lists_the_adjustment_and_later_data_goes_further(closed):
    con, close = closed
    _late_statement(con, "7.5")
    november, tables = close_period(
        con, NOVEMBER, now=T1, actor="alice", run_id="run-2", allow_incomplete=True
    )
    adjustments = next(s for s in build_pack(november, tables).sections if s.key == "adjustments")
    assert adjustments.key == "adjustments" and len(adjustments.rows) == 3
    names = [c.name for c in adjustments.columns]
    listed = {r[names.index("comparison_or_measure")]: r for r in adjustments.rows}
    assert listed["rollforward:closing_balance"][names.index("adjustment")] == Decimal("7.5")
    # more late data after November closed: only the new part, in December
    _late_statement(con, "1")
    record_adjustments(con, T2)
    rows = con.execute(
        "select adjustment_period, adjustment from audit.period_adjustments "
        "where comparison_or_measure = 'rollforward:closing_balance' order by 1"
    ).fetchall()
    assert rows == [("2026-11", Decimal("7.5")), ("2026-12", Decimal("1"))]
    # October itself never changed
    assert content_hash(load_snapshot(con, close.close_id)) == close.content_hash


def test_a_reopened_close_drops_its_open_adjustments(closed):
    con, _ = closed
    _late_statement(con, "7.5")
    record_adjustments(con, T1)
    assert con.execute("select count(*) from audit.period_adjustments").fetchone() == (3,)
    second, _ = close_period(
        con, OCTOBER, now=T2, actor="bob", run_id="run-3", reopen_reason="take in the statement"
    )
    # October v2 holds the late data itself: nothing is left to adjust in November
    assert period_diff(con, second.close_id, OCTOBER) == []
    assert con.execute("select count(*) from audit.period_adjustments").fetchone() == (0,)
