"""A small published snapshot with known numbers, for the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reporting.publish import publish_snapshot, snapshot_path
from tests.dashboard_finance_fixtures import FINANCE_TABLES, LOAD_LOG, RECONCILIATION

CLOSE_TABLES = ("audit.closed_periods", "audit.period_adjustments", "audit.close_events")


def add_finance_marts(con: duckdb.DuckDBPyConnection, finance: bool) -> None:
    """The reconciliation, risk, valuation and close tables, with hand-checkable numbers
    (only the reconciliation when `finance` is false: a warehouse before the finance marts)."""
    for sql in FINANCE_TABLES.values() if finance else [RECONCILIATION]:
        con.execute(sql)


def publish_close_tables(warehouse: Path, data_dir: Path) -> None:
    """Copy the close tables into the snapshot when publish does not list them (yet)."""
    con = duckdb.connect(str(snapshot_path(data_dir)))
    try:
        con.execute(f"attach '{warehouse}' as src (read_only)")
        present = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'src'"
            ).fetchall()
        }
        for table in sorted(present & set(CLOSE_TABLES)):
            con.execute(f"create table if not exists {table} as select * from src.{table}")
    finally:
        con.close()


# (day, entity, network, location, ownership, type, provider, balance, pending_out)
ROWS = [
    ("2026-10-30", "acme", "ethereum", "0x" + "a" * 40, "client", "wallet", "self", "100.5", "0"),
    ("2026-10-30", "acme", "ethereum", "0x" + "b" * 40, "operating", "wallet", "self", "20", "0"),
    ("2026-10-30", "acme", "bsc", "0x" + "c" * 40, "operating", "wallet", "self", "7", "0"),
    (
        "2026-10-31",
        "acme",
        "ethereum",
        "0x" + "a" * 40,
        "client",
        "wallet",
        "self",
        "1234567.25",
        "4",
    ),
    (
        "2026-10-31",
        "acme",
        "ethereum",
        "0x" + "b" * 40,
        "operating",
        "wallet",
        "self",
        "0.000001",
        "0",
    ),
    ("2026-10-31", "acme", "bsc", "0x" + "c" * 40, "operating", "wallet", "self", "9.5", "0"),
    ("2026-10-31", "beta", "bsc", "0x" + "d" * 40, "operating", "wallet", "custodian-x", "3", "0"),
]


# what the status bar must show (issue #18): an open break past its SLA, a file quarantined
# after the last close (2026-10-05), and the last build's checks with a failure and a warning
PROBLEMS = (
    """
    insert into marts.reconciliation_breaks by name
    select 'exchange_vs_ledger' as comparison, 'beta' as entity, 'bsc' as network,
        'exchange' as location_type, 'kraken-1' as location_id, 'Kraken 1' as location_label,
        5::decimal(38, 18) as difference, 5::decimal(38, 18) as unexplained_difference,
        timestamptz '2026-10-20 04:00:00+00' as break_opened_at,
        date '2026-10-20' as break_opened_date, 11 as break_age_days, true as is_overdue,
        0 as in_transit_item_count, 0::decimal(38, 18) as in_transit_total,
        '' as in_transit_items, 'Kraken shows 5 more than the ledger since 2026-10-20.'
        as description, 'open' as status, null as owner, true as is_open,
        date '2026-10-20' as opened_date, 11 as age_days, '8-30' as age_bucket,
        'overdue' as sla_status
    """,
    """
    create table audit.files as
    select sha, path, name as file_name, 100::bigint as size_bytes,
        loaded::timestamptz as dropped_at, 'custodian' as source, 'custodian' as kind,
        'canonical_csv' as adapter, status, loaded::timestamptz as loaded_at, message
    from (values
        ('a1', 'landing/custodian/2026-10-31.csv', '2026-10-31.csv', 'loaded',
         '2026-10-31 06:00:00+00', null),
        ('b2', 'landing/custodian/2026-11-01.csv', '2026-11-01.csv', 'quarantined',
         '2026-11-01 06:00:00+00', 'row 3: amount is not a number'),
        ('c3', 'landing/custodian/2026-09-15.csv', '2026-09-15.csv', 'quarantined',
         '2026-09-16 06:00:00+00', 'before the last close')
    ) as t(sha, path, name, status, loaded, message)
    """,
    """
    create table audit.expectation_failures as
    select run as run_id, checked::timestamptz as checked_at, suite, 'marts.' || tbl as table_name,
        expectation, description, severity, 1::bigint as unexpected_count,
        null as sample_json, null as keys_json, null as values_json
    from (values
        ('run-1', '2026-10-31 07:00:00+00', 'rollforward', 'inventory_rollforward',
         'identity', 'opening + flows = closing', 'error'),
        ('run-2', '2026-11-01 07:00:00+00', 'integrity', 'inventory_daily', 'unique_key',
         'one row per day and location', 'error'),
        ('run-2', '2026-11-01 07:00:00+00', 'source_freshness', 'inventory_daily',
         'custodian_fresh', 'custodian statement within 36 days', 'warn'),
        ('run-2', '2026-11-01 07:00:00+00', 'source_freshness', 'inventory_daily',
         'custodian_fresh', 'custodian statement within 36 days', 'warn')
    ) as t(run, checked, suite, tbl, expectation, description, severity)
    """,
)


def build_published(folder: Path, finance: bool = True, problems: bool = False) -> Path:
    """Write a warehouse with marts.inventory_daily (and the finance marts and close tables
    unless `finance` is false) and publish it; return the data dir. With `problems`, also an
    open overdue break, a file quarantined after the last close and a failed check (PROBLEMS);
    every source is stale against today (the days are in 2026-10)."""
    warehouse = folder / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts; create schema audit")
    con.execute(
        """
        create table marts.inventory_daily (
            as_of_date date, entity varchar, network varchar, location_id varchar,
            ownership varchar, location_type varchar, custody_provider varchar,
            balance decimal(38,18), pending_out decimal(38,18), pending_in decimal(38,18),
            frozen decimal(38,18), locked decimal(38,18), available decimal(38,18),
            location_label varchar, purpose varchar, last_movement_at timestamptz,
            inflow decimal(38,18), outflow decimal(38,18), transfer_count bigint
        )
        """
    )
    for day, entity, net, loc, own, typ, prov, bal, p_out in ROWS:
        con.execute(
            "insert into marts.inventory_daily values (?, ?, ?, ?, ?, ?, ?, ?::decimal(38,18), "
            "?::decimal(38,18), 0, 0, 0, greatest(?::decimal(38,18) - ?::decimal(38,18), 0), "
            "? , 'hot', null, 0, 0, 0)",
            [day, entity, net, loc, own, typ, prov, bal, p_out, bal, p_out, f"{net}-{loc[2:6]}"],
        )
    add_finance_marts(con, finance)
    con.execute(LOAD_LOG)
    if problems:
        for sql in PROBLEMS:
            con.execute(sql)
    con.close()
    data_dir = folder / "data"
    publish_snapshot(warehouse, data_dir, run_id="test-run")
    publish_close_tables(warehouse, data_dir)
    return data_dir
