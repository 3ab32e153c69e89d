"""A warehouse created by an earlier version: its raw tables are brought to the declared
columns in place (no full refresh, no reload), and the rows already loaded stay."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from ingestion.files.schema import TABLES, init_file_tables, migrate_raw_columns


def _nullable(con, table: str) -> dict[str, bool]:
    return {
        name: flag == "YES"
        for name, flag in con.execute(
            "select column_name, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchall()
    }


def test_an_older_table_gets_the_new_column_and_the_relaxed_constraint(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    # raw.ledger_entries as an earlier version made it: tx_hash not null, no network column
    con.execute("create schema raw")
    con.execute(
        "create table raw.ledger_entries (source varchar not null, entry_id varchar not null, "
        "account_id varchar not null, owner_type varchar not null, entity varchar not null, "
        "entry_type varchar not null, asset varchar not null, amount decimal(38, 18) not null, "
        "posted_at timestamptz not null, customer_ref varchar, "
        "counterparty_account_id varchar, tx_hash varchar not null, "
        "statement_key varchar not null, file_path varchar not null, "
        "file_sha256 varchar not null, row_number integer not null, load_id varchar not null, "
        "primary key (file_sha256, row_number))"
    )
    con.execute(
        "insert into raw.ledger_entries values ('ledger', 'LE-1', 'a', 'client', 'e', "
        "'deposit', 'USD1', 1.5, '2026-10-01 00:00:00+00', null, null, '0xabc', 'k', "
        "'f.csv', 'sha', 1, 'load')"
    )
    init_file_tables(con)
    columns = _nullable(con, "ledger_entries")
    assert columns["tx_hash"] is True and columns["network"] is True
    assert columns["entry_id"] is False  # declared not null: kept
    # every declared column is there (the loader inserts by column name, so the order of an
    # added column does not matter)
    assert {c for c, _ in TABLES["ledger_entries"]} <= set(columns)
    # the loaded row stays, exact, and a row without a tx hash now loads
    assert con.execute("select amount, tx_hash, network from raw.ledger_entries").fetchall() == [
        (Decimal("1.5"), "0xabc", None)
    ]
    con.execute(
        "insert into raw.ledger_entries (source, entry_id, account_id, owner_type, entity, "
        "entry_type, asset, amount, posted_at, statement_key, file_path, file_sha256, "
        "row_number, load_id) values ('ledger', 'LE-2', 'a', 'client', 'e', 'deposit', 'USD1', "
        "2, '2026-10-02 00:00:00+00', 'k', 'f.csv', 'sha', 2, 'load')"
    )
    # a second start changes nothing
    assert migrate_raw_columns(con) == []


def test_a_new_warehouse_needs_no_migration(tmp_path):
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    init_file_tables(con)
    assert migrate_raw_columns(con) == []
