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


def build_published(folder: Path, finance: bool = True) -> Path:
    """Write a warehouse with marts.inventory_daily (and the finance marts and close tables
    unless `finance` is false) and publish it; return the data dir."""
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
    con.close()
    data_dir = folder / "data"
    publish_snapshot(warehouse, data_dir, run_id="test-run")
    publish_close_tables(warehouse, data_dir)
    return data_dir
