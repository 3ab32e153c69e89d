"""audit.expectation_failures: one row per offending row, with its keys and values as JSON."""

from __future__ import annotations

import json

import duckdb

from expectations.failures import record_failures
from expectations.runner import run_suite
from expectations.suites import raw_onchain
from tests.expectations_fixtures import make_warehouse, with_fault
from tests.unit.test_expectations_raw import CLEAN

# the table as the warehouse initialisation creates it before any suite has run
OLD_TABLE = """
create schema if not exists audit;
create table audit.expectation_failures (
    run_id varchar not null, checked_at timestamptz not null, suite varchar not null,
    table_name varchar not null, expectation varchar not null, description varchar not null,
    severity varchar not null, unexpected_count bigint, sample_json varchar
);
"""


def test_each_offending_row_is_recorded_with_its_keys(tmp_path):
    clean = make_warehouse(
        tmp_path / "clean.duckdb", {"raw.onchain_transfers": CLEAN["raw.onchain_transfers"]}
    )
    warehouse = with_fault(
        clean,
        tmp_path / "fault.duckdb",
        "update raw.onchain_transfers set amount_raw = -1 * (log_index + 1) where log_index > 0;"
        + OLD_TABLE,
    )
    outcome = run_suite(warehouse, raw_onchain.TRANSFERS)
    con = duckdb.connect(str(warehouse))
    assert record_failures(con, raw_onchain.TRANSFERS, outcome, "run-1") == 2
    rows = con.execute(
        "select severity, unexpected_count, keys_json, values_json, sample_json"
        " from audit.expectation_failures order by keys_json"
    ).fetchall()
    con.close()
    assert [(r[0], r[1]) for r in rows] == [("error", 2), ("error", 2)]
    keys = [json.loads(r[2]) for r in rows]
    assert keys == [
        {"chain_id": 1, "tx_hash": "0x" + "1" * 64, "log_index": 1},
        {"chain_id": 1, "tx_hash": "0x" + "1" * 64, "log_index": 2},
    ]
    assert json.loads(rows[0][3])["amount_raw"] == "-2"  # exact, never a float
    assert json.loads(rows[1][4])[0]["log_index"] == 2  # sample_json: the row itself


def test_a_failure_without_rows_is_one_row_without_keys(tmp_path):
    clean = make_warehouse(
        tmp_path / "clean.duckdb", {"raw.onchain_transfers": CLEAN["raw.onchain_transfers"]}
    )
    warehouse = with_fault(
        clean,
        tmp_path / "fault.duckdb",
        "insert into raw.onchain_transfers select * from raw.onchain_transfers limit 1",
    )
    outcome = run_suite(warehouse, raw_onchain.TRANSFERS)
    con = duckdb.connect(str(warehouse))
    recorded = record_failures(con, raw_onchain.TRANSFERS, outcome, "run-2")
    rows = con.execute(
        "select expectation, keys_json from audit.expectation_failures"
        " where expectation = 'expect_compound_columns_to_be_unique'"
    ).fetchall()
    con.close()
    assert recorded >= 1
    assert len(rows) >= 1  # the duplicate key is recorded
