"""Incremental `dbt build` gives the same marts as a full refresh, exactly.

A generated raw history (bench/dbt_build.py's SQL generator: mints, burns, internal and
external transfers, a pending tail) is built once in full, then changed as ingestion changes
it, with an incremental `dbt build` after each change:

1. one more day is synced: the pending tail becomes final, a new day arrives with its own
   pending tail (new load id);
2. a reorg deeper than the pending tail: the last two days' blocks are re-read, every raw row
   of those blocks is replaced (new block hashes, new load id) and the first of the two days
   is left with no transfer at all, so its movements must disappear;
3. the pending rows are finalised in place (same load id, `is_final` flips).

After each step the warehouse is copied and rebuilt with `dbt build --full-refresh`; every
table of `marts` (and the inventory intermediates) must equal the incremental one row for row,
with exact Decimal equality, and the cuts log must show that the step was incremental (not a
silent full rebuild). The last incremental build also runs every data test. dbt runs in
this process (dbtRunner) to keep the ~20 builds fast; about 30 s.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunnerResult

from bench.dbt_build import TRANSFER_COLUMNS, append_day, generate_raw
from ingestion.warehouse import init_warehouse
from tests.dbt_in_process import (
    DBT_PROJECT_DIR,
    MODELS_ONLY,
    Tables,
    read_tables,
    run_dbt,
)

pytestmark = pytest.mark.integration


START = date(2026, 3, 25)  # the history crosses a month and a quarter end
DAYS = 12
WALLETS = 12
TRANSFERS = 2400
PENDING_BLOCKS = 1500  # ~20 % of a day's blocks are not final yet
DBT_VARS = {"reporting_timezone": "UTC", "start_date": "2026-03-27"}
COMPARED = (
    "marts.inventory_daily",
    "marts.inventory_rollforward",
    "intermediate.int_inventory__wallet_movements",
    "intermediate.int_inventory__wallet_daily_positions",
    "intermediate.int_inventory__wallet_daily_flows",
)


def _dbt(warehouse: Path, work: Path, *args: str) -> dbtRunnerResult:
    """`dbt build` in this process of the inventory models, everything upstream and their
    tests (not the other marts)."""
    return run_dbt(
        warehouse,
        work,
        *args,
        "--select",
        "+inventory_daily",
        "+inventory_rollforward",
        "--indirect-selection",
        "cautious",
        dbt_vars=DBT_VARS,
    )


def _tables(warehouse: Path) -> Tables:
    return read_tables(warehouse, COMPARED)


def _assert_same_as_full_refresh(warehouse: Path, work: Path, step: str) -> None:
    full = work / f"full_{step}.duckdb"
    _execute(warehouse)  # checkpoint: the copy must hold everything
    shutil.copyfile(warehouse, full)
    _dbt(full, work, "--full-refresh", *MODELS_ONLY)
    incremental_tables, full_tables = _tables(warehouse), _tables(full)
    for table in COMPARED:
        inc_columns, inc_rows = incremental_tables[table]
        full_columns, full_rows = full_tables[table]
        assert inc_columns == full_columns, (step, table)
        assert inc_rows, (step, table, "empty")
        if inc_rows != full_rows:
            only_inc = sorted(set(inc_rows) - set(full_rows), key=repr)[:5]
            only_full = sorted(set(full_rows) - set(inc_rows), key=repr)[:5]
            pytest.fail(
                f"{step}: {table} differs from a full refresh "
                f"({len(inc_rows)} vs {len(full_rows)} rows)\n"
                f"incremental only: {only_inc}\nfull refresh only: {only_full}"
            )


def _last_cut(warehouse: Path) -> tuple[bool, date | None, str]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(
            "select rebuild_all, cut_date, reason "
            "from intermediate.int_inventory__incremental_cuts order by run_seq desc limit 1"
        ).fetchone()
    finally:
        con.close()


def _execute(warehouse: Path, *statements: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set timezone = 'UTC'")  # dates below are UTC days, as the generator's
        for statement in statements:
            con.execute(statement)
        con.execute("checkpoint")
    finally:
        con.close()


def test_incremental_builds_equal_full_refresh(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(
            con,
            transfers=TRANSFERS,
            days=DAYS,
            wallets=WALLETS,
            start=START,
            pending_blocks=PENDING_BLOCKS,
        )
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    assert _last_cut(warehouse)[0] is True  # the first build is a full one

    # 1. one more day: pending tail final, a new day (new load) with its own pending tail
    con = duckdb.connect(str(warehouse))
    try:
        added = append_day(
            con,
            days=DAYS,
            wallets=WALLETS,
            per_day=sizes["per_day"],
            start=START,
            pending_blocks=PENDING_BLOCKS,
        )
    finally:
        con.close()
    assert added == sizes["per_day"]
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 4, 5), reason  # the old pending day
    _assert_same_as_full_refresh(warehouse, tmp_path, "append")

    # 2. reorg of the last two days: every row replaced by the new chain's (new block hashes,
    # a new load id), and the first of the two days keeps no transfer at all
    day_before, last_day = "2026-04-05", "2026-04-06"
    _execute(
        warehouse,
        f"""
        create temp table reorged as
        select * from raw.onchain_transfers
        where cast(block_time as date) >= date '{day_before}'
        """,
        # as the loader does: log the deleted rows, then delete them (one change log)
        """
        insert into raw.onchain_transfer_deletions (
            chain_id, network, token_address, tx_hash, log_index, block_number, block_time,
            loaded_seq, load_id
        )
        select
            chain_id, network, token_address, tx_hash, log_index, block_number, block_time,
            loaded_seq, 'load-reorg'
        from reorged
        """,
        f"""
        delete from raw.onchain_transfers
        where cast(block_time as date) >= date '{day_before}'
        """,
        f"""
        insert into raw.onchain_transfers ({TRANSFER_COLUMNS})
        select
            chain_id, network, token_address, block_number,
            '0xdead' || substr(block_hash, 7) as block_hash, block_time,
            '0xbeef' || substr(tx_hash, 7) as tx_hash, tx_index, log_index,
            to_address as from_address, from_address as to_address, amount_raw + 1,
            is_final, 'reorg:re-read', 'load-reorg'
        from reorged
        where cast(block_time as date) = date '{last_day}' and hash(tx_hash) % 3 != 0
        """,
        f"""
        update raw.onchain_day_blocks
        set last_block_hash = '0xdead' || substr(last_block_hash, 7)
        where block_date >= date '{day_before}'
        """,
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 4, 5) and "deleted" in reason, reason
    con = duckdb.connect(str(warehouse))
    try:
        left = con.execute(
            "select count(*) from intermediate.int_inventory__wallet_movements "
            f"where block_date = date '{day_before}'"
        ).fetchone()[0]
    finally:
        con.close()
    assert left == 0
    _assert_same_as_full_refresh(warehouse, tmp_path, "reorg")

    # 3. the pending rows become final in place (same load id), and so do their days
    _execute(
        warehouse,
        "update raw.onchain_transfers set is_final = true where not is_final",
        "update raw.onchain_day_blocks set is_final = true where not is_final",
    )
    _dbt(warehouse, tmp_path)  # models and every data and unit test: none fails
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 4, 6), reason
    assert "pending" in reason, reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "finalise")

    # nothing pending is left, and the reorged day shows no flows but the carried balance
    con = duckdb.connect(str(warehouse))
    try:
        pending, flows = con.execute(
            "select sum(pending_in + pending_out), "
            "sum(inflow + outflow) filter (where as_of_date = date '2026-04-05') "
            "from marts.inventory_daily"
        ).fetchone()
    finally:
        con.close()
    assert pending == 0 and flows == 0


def test_registry_change_rebuilds_everything(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        generate_raw(con, transfers=600, days=6, wallets=6, start=START, pending_blocks=100)
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    # a wallet changes hands: inventory_daily and the roll-forward show the new entity
    _execute(
        warehouse,
        "update raw.registry_wallets set entity = 'acme-pay', ownership = 'operating', "
        "purpose = 'payout' where address = (select min(address) from raw.registry_wallets)",
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, _, reason = _last_cut(warehouse)
    assert rebuild_all and reason == "registry, vars or model code changed", reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "registry")


def test_late_rows_and_deletions_are_read_from_the_change_log(tmp_path: Path) -> None:
    """The cuts read only raw rows and deletions above the last run's watermark: late-loaded
    rows for an old day cut at that day; a logged deletion of an old day's row cuts there; a
    delete that bypasses the deletion log is noticed (the row count does not add up) and
    everything is rebuilt. Each step equals a full refresh."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        generate_raw(con, transfers=1200, days=10, wallets=8, start=START, pending_blocks=100)
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)

    # 1. a backfill loads rows of an old day late (new load, rows above the watermark)
    _execute(
        warehouse,
        f"""
        insert into raw.onchain_transfers ({TRANSFER_COLUMNS})
        select
            chain_id, network, token_address, block_number, block_hash, block_time,
            '0x1a7e' || substr(tx_hash, 7), tx_index, log_index, from_address, to_address,
            amount_raw, true, 'backfill', 'load-late'
        from raw.onchain_transfers
        where cast(block_time as date) = date '2026-03-28' and hash(tx_hash) % 4 = 0
        """,
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 3, 28) and "loaded" in reason, reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "late rows")

    # 2. the loader deletes (and logs) rows of another old day
    old_day = "where cast(block_time as date) = date '2026-03-30' and hash(tx_hash) % 3 = 0"
    _execute(
        warehouse,
        f"""
        insert into raw.onchain_transfer_deletions (
            chain_id, network, token_address, tx_hash, log_index, block_number, block_time,
            loaded_seq, load_id
        )
        select
            chain_id, network, token_address, tx_hash, log_index, block_number, block_time,
            loaded_seq, 'load-delete'
        from raw.onchain_transfers {old_day}
        """,
        f"delete from raw.onchain_transfers {old_day}",
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 3, 30) and "deleted" in reason, reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "logged deletion")

    # 3. nothing changed in raw: only the still pending last day is recomputed
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    assert _last_cut(warehouse) == (False, date(2026, 4, 3), "pending movements")

    # 4. a delete without the deletion log: noticed, everything rebuilt, still exact
    _execute(
        warehouse,
        "delete from raw.onchain_transfers "
        "where cast(block_time as date) = date '2026-03-29' and hash(tx_hash) % 5 = 0",
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, _, reason = _last_cut(warehouse)
    assert rebuild_all and reason == "raw changed outside the change log", reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "unlogged deletion")


def test_warehouses_before_the_change_log_are_migrated(tmp_path: Path) -> None:
    """init_warehouse adds loaded_seq to an existing raw.onchain_transfers (every old row
    numbered) and the deletion log; the new loader's rows are numbered above them."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    try:
        con.execute("create schema raw")
        con.execute(
            "create table raw.onchain_transfers (chain_id bigint not null, network varchar "
            "not null, token_address varchar not null, block_number bigint not null, "
            "block_hash varchar not null, block_time timestamptz not null, tx_hash varchar "
            "not null, tx_index integer not null, log_index integer not null, from_address "
            "varchar not null, to_address varchar not null, amount_raw decimal(38, 0) not null, "
            "is_final boolean not null, source_ref varchar not null, load_id varchar not null, "
            "primary key (chain_id, tx_hash, log_index))"
        )
        row = "1, 'ethereum', '0xt', 1, '0xb', timestamptz '2026-01-01 00:00:00+00'"
        con.execute(
            "insert into raw.onchain_transfers values "
            f"({row}, '0x1', 0, 0, '0xa', '0xb', 5, true, 'old', 'load-1'), "
            f"({row}, '0x2', 0, 0, '0xa', '0xb', 7, true, 'old', 'load-1')"
        )
        init_warehouse(con)
        init_warehouse(con)  # idempotent
        old = con.execute(
            "select count(distinct loaded_seq), count(loaded_seq) from raw.onchain_transfers"
        ).fetchone()
        assert old == (2, 2)
        con.execute(
            f"insert into raw.onchain_transfers ({TRANSFER_COLUMNS}) values "
            f"({row}, '0x3', 0, 0, '0xa', '0xb', 9, true, 'new', 'load-2')"
        )
        newest, oldest_max = con.execute(
            "select max(loaded_seq) filter (where load_id = 'load-2'), "
            "max(loaded_seq) filter (where load_id = 'load-1') from raw.onchain_transfers"
        ).fetchone()
        assert newest > oldest_max
        assert con.execute("select count(*) from raw.onchain_transfer_deletions").fetchone() == (0,)
    finally:
        con.close()


def test_a_period_type_with_no_kept_period_reads_every_flow(tmp_path: Path) -> None:
    """A history that has a complete month (April) but no complete quarter yet: the
    incremental roll-forward keeps April and recomputes Q2, which must read April's flows too
    (the opening mints), not only those after the last kept month."""
    start = date(2026, 4, 27)
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(con, transfers=600, days=6, wallets=6, start=start, pending_blocks=100)
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    con = duckdb.connect(str(warehouse))
    try:
        append_day(
            con, days=6, wallets=6, per_day=sizes["per_day"], start=start, pending_blocks=100
        )
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_cut(warehouse)
    assert not rebuild_all and cut_date == date(2026, 5, 2), reason
    con = duckdb.connect(str(warehouse))
    try:
        kept = con.execute(
            "select distinct period from marts.inventory_rollforward where is_period_complete"
        ).fetchall()
    finally:
        con.close()
    assert kept == [("2026-04",)]
    _assert_same_as_full_refresh(warehouse, tmp_path, "no_kept_quarter")


def test_a_change_of_model_code_rebuilds_once(tmp_path: Path) -> None:
    """A deploy that changes a model's SQL must not continue from rows the old code wrote: the
    next build rebuilds everything (both cut logs say why), the one after is incremental."""
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        generate_raw(con, transfers=600, days=6, wallets=6, start=START, pending_blocks=0)
    finally:
        con.close()

    def build() -> None:
        run_dbt(warehouse, tmp_path, *MODELS_ONLY, dbt_vars=DBT_VARS, project_dir=project)

    def last_reasons() -> tuple[str, str]:
        con = duckdb.connect(str(warehouse))
        try:
            return con.execute(
                "select (select reason from intermediate.int_inventory__incremental_cuts "
                "order by run_seq desc limit 1), (select reason from "
                "intermediate.int_inventory__mart_cuts order by run_seq desc limit 1)"
            ).fetchone()
        finally:
            con.close()

    build()
    build()
    assert last_reasons() == ("nothing changed", "nothing changed")
    model = project / "models" / "marts" / "risk" / "concentration.sql"
    model.write_text(model.read_text() + "\n-- a deployed change\n")
    build()
    assert last_reasons() == (
        "registry, vars or model code changed",
        "configuration, vars or model code changed",
    )
    build()
    assert last_reasons() == ("nothing changed", "nothing changed")


def test_an_issuer_freeze_rebuilds_and_freezes_the_balance(tmp_path: Path) -> None:
    """A freeze read for an old day (raw.onchain_freezes) is not a transfer change: the cuts
    see it in the frozen set, rebuild, and the wallet's balance is frozen on that day only."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        generate_raw(con, transfers=600, days=6, wallets=6, start=START, pending_blocks=100)
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    con = duckdb.connect(str(warehouse))
    try:
        network, address, day = con.execute(
            "select network, location_id, as_of_date from marts.inventory_daily "
            "where balance > 0 and is_final order by as_of_date, location_id limit 1"
        ).fetchone()
    finally:
        con.close()
    _execute(
        warehouse,
        "insert into raw.onchain_freezes select chain_id, network, token_address, "
        f"'{address}', 1, '0x01', timestamptz '2026-01-01 00:00:00+00', date '{day}', true, "
        f"true, 'test', 'l1' from raw.registry_networks where network = '{network}'",
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, _, reason = _last_cut(warehouse)
    assert rebuild_all and reason == "registry, vars or model code changed", reason
    con = duckdb.connect(str(warehouse))
    try:
        frozen = con.execute(
            "select as_of_date, location_id, frozen = balance, available from "
            "marts.inventory_daily where frozen > 0"
        ).fetchall()
    finally:
        con.close()
    assert frozen == [(day, address, True, 0)]
    _assert_same_as_full_refresh(warehouse, tmp_path, "freeze")
