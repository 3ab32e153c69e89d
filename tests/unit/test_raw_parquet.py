"""Raw for Spark: the raw and audit tables as Parquet, partitioned, atomic and idempotent."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.raw_parquet import export_raw_parquet


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("create schema raw; create schema audit")
    con.execute(
        "create table raw.onchain_transfers (network varchar, block_time timestamptz, "
        "amount_raw decimal(38, 0), source_ref varchar)"
    )
    con.execute(
        """insert into raw.onchain_transfers values
        ('mainnet', '2026-01-01 23:30:00+00', 123456789012345678901234567890, 'a'),
        ('mainnet', '2026-01-02 00:30:00+00', 5, 'b'),
        ('base', '2026-01-02 00:30:00+00', 7, 'c')"""
    )
    con.execute("create table raw.ledger_entries (source varchar, amount decimal(38, 18))")
    con.execute("insert into raw.ledger_entries values ('ledger', 1.000000000000000001)")
    con.execute("create table raw.registry_wallets (address varchar)")
    con.execute("create table audit.break_events (event_id varchar)")
    yield con
    con.close()


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_partitions_by_network_and_local_day_and_by_source(warehouse, tmp_path):
    export_raw_parquet(warehouse, tmp_path, "America/New_York")
    assert _files(tmp_path) == [
        "audit/break_events/part.parquet",
        "raw/ledger_entries/source=ledger/part.parquet",
        # 2026-01-01 23:30 UTC and 2026-01-02 00:30 UTC are both 2026-01-01 in New York
        "raw/onchain_transfers/network=base/local_date=2026-01-01/part.parquet",
        "raw/onchain_transfers/network=mainnet/local_date=2026-01-01/part.parquet",
        "raw/registry_wallets/part.parquet",
    ]


def test_every_column_exact_in_every_file(warehouse, tmp_path):
    export_raw_parquet(warehouse, tmp_path, "UTC")
    rows = warehouse.execute(
        f"select network, amount_raw, typeof(amount_raw), typeof(block_time) "
        f"from read_parquet('{tmp_path}/raw/onchain_transfers/*/*/part.parquet') order by all"
    ).fetchall()
    assert rows[-1] == (
        "mainnet",
        Decimal("123456789012345678901234567890"),
        "DECIMAL(38,0)",
        "TIMESTAMP WITH TIME ZONE",
    )
    (amount,) = warehouse.execute(
        f"select amount from read_parquet('{tmp_path}/raw/ledger_entries/*/part.parquet')"
    ).fetchone()
    assert amount == Decimal("1.000000000000000001")


def test_rerun_rewrites_nothing_and_removes_gone_partitions(warehouse, tmp_path):
    first = export_raw_parquet(warehouse, tmp_path, "UTC")
    assert first.partitions_written == 6
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("part.parquet")}
    again = export_raw_parquet(warehouse, tmp_path, "UTC")
    assert (again.partitions_written, again.partitions_unchanged) == (0, 6)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("part.parquet")} == stamps

    warehouse.execute("delete from raw.onchain_transfers where network = 'base'")
    warehouse.execute("update raw.onchain_transfers set source_ref = 'z' where amount_raw = 5")
    third = export_raw_parquet(warehouse, tmp_path, "UTC")
    assert third.partitions_removed == 1
    assert third.partitions_written == 1  # only mainnet 2026-01-02 changed
    assert not (tmp_path / "raw/onchain_transfers/network=base").exists()


def test_a_killed_export_leaves_only_hidden_temp_files_that_the_next_run_removes(
    warehouse, tmp_path
):
    export_raw_parquet(warehouse, tmp_path, "UTC")
    leftover = tmp_path / "raw/registry_wallets/.part.parquet.dead.tmp"
    leftover.write_bytes(b"half a file")
    # readers skip hidden files: the table still reads
    warehouse.execute(f"select * from read_parquet('{tmp_path}/raw/registry_wallets/*.parquet')")
    export_raw_parquet(warehouse, tmp_path, "UTC")
    assert not leftover.exists()


def test_unknown_time_zone_is_refused_before_writing(warehouse, tmp_path):
    with pytest.raises(Exception, match="Mars"):
        export_raw_parquet(warehouse, tmp_path / "out", "Mars/Olympus")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Apia", "Etc/GMT+12", "UTC"])
def test_every_row_lands_in_its_local_day_in_the_farthest_zones(zone, tmp_path):
    """The export narrows each day's scan to a UTC range around it: rows an hour either side
    of every UTC midnight, in zones 14 hours ahead and 12 behind, each in exactly its day."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.onchain_transfers as "
        "select 'mainnet' as network, "
        "timestamptz '2026-03-01 00:00:00+00' + to_minutes(cast(30 * i as bigint)) as block_time, "
        "cast(i as decimal(38, 0)) as amount_raw from range(0, 6 * 48) as r(i)"
    )
    export_raw_parquet(con, tmp_path, zone)
    rows = con.execute(
        f"""
        select local_date, timezone('{zone}', block_time)::date as own_day, amount_raw
        from read_parquet('{tmp_path}/raw/onchain_transfers/**/*.parquet', hive_partitioning = true)
        """
    ).fetchall()
    con.close()
    assert sorted(r[2] for r in rows) == list(range(6 * 48))
    assert all(str(local_date) == str(own_day) for local_date, own_day, _ in rows)
