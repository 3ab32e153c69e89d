"""A small published snapshot with known numbers, for the dashboard tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from reporting.publish import publish_snapshot

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


def build_published(folder: Path) -> Path:
    """Write a warehouse with marts.inventory_daily and publish it; return the data dir."""
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
    con.execute(
        """
        create table marts.reconciliation as
        select * from (values
            (date '2026-10-31', 'acme', 'ethereum', '0x' || repeat('a', 40),
             'transfers_vs_balanceof', 'matched', 0::decimal(38,18)),
            (date '2026-10-31', 'acme', 'bsc', '0x' || repeat('c', 40),
             'transfers_vs_balanceof', 'break', 2.5::decimal(38,18)),
            (date '2026-10-30', 'acme', 'bsc', '0x' || repeat('c', 40),
             'transfers_vs_balanceof', 'matched', 0::decimal(38,18))
        ) as t(as_of_date, entity, network, location_id, comparison, status, difference)
        """
    )
    con.execute(
        "create table audit.load_log as select 'onchain' as source, "
        "timestamptz '2026-10-31 12:00:00+00' as finished_at, 'success' as status"
    )
    con.close()
    data_dir = folder / "data"
    publish_snapshot(warehouse, data_dir, run_id="test-run")
    return data_dir
