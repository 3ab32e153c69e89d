"""Reorgs on a real anvil node: the unfinalised tail is re-read and replaced, never duplicated.

Three local days of transfers, then a pending tail of three blocks late on the third day.
The warehouse syncs all three days; then the tail is reorged away (`evm_snapshot` /
`evm_revert`) and replaced by a *shorter* chain where one transfer is dropped, two come back in
the opposite order in another block, and a new one appears. The next run asks only for the
first day, yet must re-read the tail (the third day is not final) and delete the rows of blocks
that no longer exist. Raw tables and the marts must then equal a clean ingest of the new chain
into a fresh warehouse.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.anvil import AnvilNode
from demo.scenario import genesis_timestamp, local_midnight
from ingestion.config import load_config
from ingestion.onchain.balances import snapshot_balances
from ingestion.onchain.rpc import RpcClient
from ingestion.onchain.transfers import sync_transfers
from ingestion.registry import load_registry
from ingestion.warehouse import connect, schema_content_hashes
from tests.conftest import write_config
from tests.onchain_chain import TokenChain, local_ts, play_three_days

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
UNIT = 10**6
RAW_COLUMNS = {
    "raw.onchain_transfers": "* exclude (source_ref, load_id, loaded_seq)",
    "raw.onchain_day_blocks": "* exclude (final_block)",
    "raw.onchain_balances": "* exclude (load_id)",
}


def _sync(config, warehouse: Path, url: str, days, load_id: str):
    network = config.network("ethereum")
    wallets = config.wallets_on("ethereum")
    client = RpcClient(url, "ethereum", backoff_base=0.01)
    with connect(warehouse) as con:
        load_registry(con, config)
        report = sync_transfers(con, client, network, wallets, days, config.tz, load_id=load_id)
        snapshot_balances(
            con, client, network, wallets, report.day_end_blocks, report.final_block, load_id
        )
    return report


def _raw(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: sorted(con.execute(f"select {cols} from {table}").fetchall(), key=repr)
            for table, cols in RAW_COLUMNS.items()
        }


def _dbt_build(config, warehouse: Path, work: Path) -> None:
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    variables = {
        "reporting_timezone": config.reporting_timezone,
        "start_date": config.start_date.isoformat(),
    }
    result = subprocess.run(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO / "dbt_project"),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps(variables),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture
def chain_and_config(tmp_path):
    config = load_config(write_config(tmp_path))
    network = config.network("ethereum")
    wallets = {w.label: w.address for w in config.wallets_on("ethereum")}
    outsiders = ["0x" + "a1" * 20, "0x" + "b2" * 20]
    with AnvilNode(chain_id=network.chain_id, timestamp=genesis_timestamp(config)) as node:
        chain = TokenChain(node.web3(), tmp_path / "build", decimals=network.token.decimals)
        token = chain.deploy(local_midnight(config.start_date, config.tz) - 600)
        assert token == network.token.address
        play_three_days(
            chain,
            [wallets["treasury"], wallets["ops-hot"], wallets["cold-vault"]],
            outsiders,
            config.start_date,
            config.tz,
        )
        yield config, node, chain, wallets, outsiders


def _play_tail(config, chain, wallets, outsiders) -> tuple[str, int]:
    """Three pending blocks late on day 3 (T1+T2, T3, T4); returns (snapshot, head)."""
    tz, day3 = config.tz, config.start_date + timedelta(days=2)
    treasury, ops, cold = wallets["treasury"], wallets["ops-hot"], wallets["cold-vault"]
    snap = chain.snapshot()
    chain.transfer(treasury, ops, 11 * UNIT)  # T1
    chain.transfer(ops, cold, 22 * UNIT)  # T2 (dropped by the reorg)
    chain.mine(local_ts(day3, 22, tz))
    chain.transfer(cold, outsiders[0], 33 * UNIT)  # T3
    chain.mine(local_ts(day3, 22, tz, 30))
    chain.transfer(treasury, cold, 44 * UNIT)  # T4 (dropped: its block is gone)
    chain.mine(local_ts(day3, 23, tz))
    return snap, chain.head()


def _reorg(config, chain, wallets, outsiders, snap: str, extra_blocks: int) -> None:
    """Replace the tail: T3 then T1 in one block, a new T5, then `extra_blocks` empty ones."""
    tz, day3 = config.tz, config.start_date + timedelta(days=2)
    treasury, ops, cold = wallets["treasury"], wallets["ops-hot"], wallets["cold-vault"]
    chain.revert(snap)
    chain.transfer(cold, outsiders[0], 33 * UNIT)  # T3
    chain.transfer(treasury, ops, 11 * UNIT)  # T1, now after T3
    chain.mine(local_ts(day3, 22, tz, 10))
    chain.transfer(outsiders[1], treasury, 55 * UNIT)  # T5
    chain.mine(local_ts(day3, 22, tz, 40))
    for k in range(extra_blocks):
        chain.mine(local_ts(day3, 23, tz, 10 + k))


def test_reorg_of_the_pending_tail_equals_a_clean_ingest(chain_and_config, tmp_path):
    config, node, chain, wallets, outsiders = chain_and_config
    first = config.start_date
    days = [first + timedelta(days=i) for i in range(3)]
    snap, old_head = _play_tail(config, chain, wallets, outsiders)
    old = tmp_path / "reorged.duckdb"
    report = _sync(config, old, node.url, days, "first")
    assert report.final_block == old_head - 3
    with duckdb.connect(str(old), read_only=True) as con:
        pending = con.execute(
            "select count(*) from raw.onchain_transfers where not is_final"
        ).fetchone()[0]
    assert pending == 4  # T1..T4 in the last three blocks

    _reorg(config, chain, wallets, outsiders, snap, extra_blocks=2)  # a longer chain wins
    assert chain.head() == old_head + 1

    # the next run asks only for the first (final) day; the tail is re-read anyway
    again = _sync(config, old, node.url, [first], "second")
    assert again.tail_days == [days[2]]
    assert again.cached_days >= 1  # day 1 came from raw.onchain_day_blocks (hash re-verified)
    assert again.transfers_deleted == 4  # T2 and T4 gone; T1 and T3 moved to another block
    with duckdb.connect(str(old), read_only=True) as con:
        logged = con.execute(
            "select count(*), count(distinct load_id) from raw.onchain_transfer_deletions"
        ).fetchone()
    assert logged == (4, 1)  # each deleted row is in the deletion log (dbt's incremental cuts)

    clean = tmp_path / "clean.duckdb"
    _sync(config, clean, node.url, days, "clean")
    assert _raw(old) == _raw(clean)
    with duckdb.connect(str(old), read_only=True) as con:
        dupes = con.execute(
            "select count(*) - count(distinct (chain_id, tx_hash, log_index)) "
            "from raw.onchain_transfers"
        ).fetchone()[0]
        amounts = con.execute(
            "select amount_raw, is_final from raw.onchain_transfers where block_number > ? "
            "order by block_number, log_index",
            [old_head - 3],
        ).fetchall()
    assert dupes == 0
    # T3 and T1 (re-ordered, now final under the longer chain) and the new T5 (pending)
    assert [(int(a) // UNIT, f) for a, f in amounts] == [(33, True), (11, True), (55, False)]

    _dbt_build(config, old, tmp_path / "dbt_old")
    _dbt_build(config, clean, tmp_path / "dbt_clean")
    with (
        duckdb.connect(str(old), read_only=True) as a,
        duckdb.connect(str(clean), read_only=True) as b,
    ):
        marts_old = schema_content_hashes(a, ("marts",))
        marts_clean = schema_content_hashes(b, ("marts",))
        statuses = a.execute("select distinct status from marts.reconciliation").fetchall()
    assert marts_old == marts_clean
    assert {"marts.inventory_daily", "marts.reconciliation"} <= marts_old.keys()
    assert statuses == [("matched",)]


def test_a_shorter_chain_leaves_no_rows_of_blocks_that_no_longer_exist(chain_and_config, tmp_path):
    config, node, chain, wallets, outsiders = chain_and_config
    first = config.start_date
    days = [first + timedelta(days=i) for i in range(3)]
    snap, old_head = _play_tail(config, chain, wallets, outsiders)
    old = tmp_path / "reorged.duckdb"
    _sync(config, old, node.url, days, "first")
    _reorg(config, chain, wallets, outsiders, snap, extra_blocks=0)
    assert chain.head() == old_head - 1  # T4's block number no longer exists

    again = _sync(config, old, node.url, [first], "second")
    assert again.tail_days == [days[2]]
    clean = tmp_path / "clean.duckdb"
    _sync(config, clean, node.url, days, "clean")
    # a block once final stays final (the clean ingest sees a lower head): compare the rest
    strip = "* exclude (source_ref, load_id, loaded_seq, is_final)"
    with (
        duckdb.connect(str(old), read_only=True) as a,
        duckdb.connect(str(clean), read_only=True) as b,
    ):
        sql = f"select {strip} from raw.onchain_transfers order by block_number, log_index"
        assert a.execute(sql).fetchall() == b.execute(sql).fetchall()
        assert (
            a.execute(
                "select count(*) from raw.onchain_transfers where block_number > ?", [chain.head()]
            ).fetchone()[0]
            == 0
        )
