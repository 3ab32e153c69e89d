"""Great Expectations on a DuckDB file: the connection fix works, and the suite can fail."""

from __future__ import annotations

import duckdb
import pytest

from expectations.runner import run_suite
from expectations.suites.inventory_daily import SUITE

ROW = (
    "select date '2026-08-01' as as_of_date, 'eth' as network, '0x' || repeat('a', 40) "
    "as location_id, 'acme' as entity, 'client' as ownership, 'wallet' as location_type, "
    "{balance}::decimal(38,18) as balance, 0::decimal(38,18) as pending_in, "
    "{pending_out}::decimal(38,18) as pending_out, 0::decimal(38,18) as frozen, "
    "0::decimal(38,18) as locked, {available}::decimal(38,18) as available, "
    "'onchain' as balance_status"
)


def _warehouse(path, rows: list[dict]) -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.inventory_daily as " + ROW.format(**rows[0]))
    for i, row in enumerate(rows[1:], start=1):
        con.execute(
            "insert into marts.inventory_daily "
            + ROW.format(**row).replace("date '2026-08-01'", f"date '2026-08-01' + {i}")
        )
    con.close()
    return str(path)


def test_clean_table_passes_and_the_file_is_released(tmp_path):
    path = _warehouse(
        tmp_path / "w.duckdb",
        [
            {"balance": 5, "pending_out": 2, "available": 3},
            {"balance": 1, "pending_out": 4, "available": 0},
        ],
    )
    outcome = run_suite(path, SUITE)
    assert outcome.success, outcome.summary()
    assert len(outcome.outcomes) >= 10
    # GX must have closed its connection: a writer can open the file again
    con = duckdb.connect(path)
    con.execute("insert into marts.inventory_daily select * from marts.inventory_daily")
    con.close()


@pytest.mark.parametrize(
    ("row", "failing"),
    [
        ({"balance": -1, "pending_out": 0, "available": 0}, "no negative"),
        ({"balance": 5, "pending_out": 2, "available": 5}, "available = max"),
    ],
)
def test_planted_fault_fails(tmp_path, row, failing):
    path = _warehouse(
        tmp_path / "w.duckdb", [{"balance": 5, "pending_out": 0, "available": 5}, row]
    )
    outcome = run_suite(path, SUITE)
    assert not outcome.success
    assert [o.description for o in outcome.failed if failing in o.description]
    assert all(o.unexpected_count == 1 for o in outcome.failed if failing in o.description)


def test_duplicate_key_fails(tmp_path):
    path = _warehouse(tmp_path / "w.duckdb", [{"balance": 5, "pending_out": 0, "available": 5}])
    con = duckdb.connect(path)
    con.execute("insert into marts.inventory_daily select * from marts.inventory_daily")
    con.close()
    outcome = run_suite(path, SUITE)
    assert [o for o in outcome.failed if o.expectation == "expect_compound_columns_to_be_unique"]


def _rollforward(path, rows: list[tuple]) -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.inventory_rollforward (period varchar, period_type varchar, "
        "period_start_date date, network varchar, location_id varchar, "
        + ", ".join(
            f"{c} decimal(38,18)"
            for c in (
                "opening_balance",
                "inflows_external",
                "outflows_external",
                "transfers_in_internal",
                "transfers_out_internal",
                "mints",
                "burns",
                "fees",
                "closing_balance",
                "unexplained_change",
            )
        )
        + ")"
    )
    con.executemany(
        "insert into marts.inventory_rollforward values "
        "(?, 'month', ?, 'eth', '0xaa', ?, ?, ?, 0, 0, 0, 0, 0, ?, ?)",
        [row if len(row) == 7 else (*row, 0) for row in rows],
    )
    con.close()
    return str(path)


def test_rollforward_suite_passes_on_a_consistent_roll(tmp_path):
    from expectations.suites.inventory_rollforward import SUITE as ROLL

    path = _rollforward(
        tmp_path / "r.duckdb",
        [
            ("2026-09", "2026-09-01", 0, 10, 4, 6),
            ("2026-10", "2026-10-01", 6, 1, 0, 7),
            # a statement that jumps by 3: unexplained_change, a term of the identity
            ("2026-11", "2026-11-01", 7, 0, 0, 10, 3),
        ],
    )
    outcome = run_suite(path, ROLL)
    assert outcome.success, outcome.summary()


@pytest.mark.parametrize(
    ("rows", "failing"),
    [
        ([("2026-09", "2026-09-01", 0, 10, 4, 7)], "opening + flows + unexplained_change"),
        ([("2026-09", "2026-09-01", 0, 10, 4, 6, 1)], "opening + flows + unexplained_change"),
        ([("2026-09", "2026-09-01", 0, -1, 0, -1)], "zero or positive"),
        (
            [("2026-09", "2026-09-01", 0, 10, 4, 6), ("2026-10", "2026-10-01", 5, 1, 0, 6)],
            "next period's opening",
        ),
    ],
)
def test_rollforward_suite_fails_on_planted_faults(tmp_path, rows, failing):
    from expectations.suites.inventory_rollforward import SUITE as ROLL

    outcome = run_suite(_rollforward(tmp_path / "r.duckdb", rows), ROLL)
    assert not outcome.success
    assert [o for o in outcome.failed if failing in o.description], outcome.summary()


def test_failed_expectations_are_recorded_in_audit(tmp_path):
    from expectations.failures import record_failures

    path = _warehouse(
        tmp_path / "w.duckdb",
        [
            {"balance": 5, "pending_out": 0, "available": 5},
            {"balance": -1, "pending_out": 0, "available": 0},
        ],
    )
    outcome = run_suite(path, SUITE)
    con = duckdb.connect(path)
    assert record_failures(con, SUITE, outcome, "run-1") == len(outcome.failed) > 0
    rows = con.execute(
        "select run_id, suite, table_name, severity, description, unexpected_count "
        "from audit.expectation_failures order by description"
    ).fetchall()
    assert rows[0][:4] == ("run-1", "inventory_daily_integrity", "marts.inventory_daily", "error")
    assert any("no negative" in r[4] and r[5] == 1 for r in rows)
    # a clean run appends nothing
    clean = run_suite(_warehouse(tmp_path / "c.duckdb", [
        {"balance": 5, "pending_out": 0, "available": 5}]), SUITE)  # fmt: skip
    assert record_failures(con, SUITE, clean, "run-2") == 0
    con.close()
