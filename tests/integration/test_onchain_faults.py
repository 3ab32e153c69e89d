"""Faults between us and the node: the loaded data must equal the fault-free load.

A fault-injecting proxy (tests/fault_proxy.py) in front of a real anvil drops, delays
(past the client's timeout), rate-limits (429), fails (503), truncates and shortens (fewer
logs than the truth, still valid JSON) a set share of requests. Small block windows and batches
make many requests, so every kind of fault occurs. The same days loaded straight from the node
and through the proxy must give the same raw rows, day mapping and balanceOf readings.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.anvil import AnvilNode
from demo.scenario import genesis_timestamp, local_midnight
from ingestion.config import load_config
from ingestion.onchain.balances import snapshot_balances
from ingestion.onchain.rpc import RpcClient, RpcError
from ingestion.onchain.transfers import sync_transfers
from ingestion.warehouse import connect
from tests.conftest import write_config
from tests.fault_proxy import FaultProxy
from tests.onchain_chain import TokenChain, local_ts, play_three_days

pytestmark = pytest.mark.integration

SHARES = {
    "drop": 0.04,
    "delay": 0.03,
    "http_429": 0.06,
    "http_5xx": 0.05,
    "truncate": 0.05,
    "short": 0.20,
}
RAW = {
    "raw.onchain_transfers": "* exclude (source_ref, load_id, loaded_seq)",
    "raw.onchain_day_blocks": "*",
    "raw.onchain_balances": "* exclude (load_id)",
}


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    config = load_config(write_config(tmp))
    network = config.network("ethereum")
    wallets = {w.label: w.address for w in config.wallets_on("ethereum")}
    with AnvilNode(chain_id=network.chain_id, timestamp=genesis_timestamp(config)) as node:
        token_chain = TokenChain(node.web3(), tmp / "build", decimals=network.token.decimals)
        token_chain.deploy(local_midnight(config.start_date, config.tz) - 600)
        play_three_days(
            token_chain,
            [wallets["treasury"], wallets["ops-hot"], wallets["cold-vault"]],
            ["0x" + "a1" * 20, "0x" + "b2" * 20],
            config.start_date,
            config.tz,
        )
        day4 = config.start_date + timedelta(days=3)
        token_chain.transfer(wallets["treasury"], wallets["buffer"], 5 * 10**6)
        token_chain.mine(local_ts(day4, 1, config.tz))  # a pending tail on the last day
        yield config, node, tmp


def _load(config, url: str, warehouse: Path, timeout: float, **network_changes):
    network = config.network("ethereum").model_copy(update=network_changes)
    wallets = config.wallets_on("ethereum")
    days = [config.start_date + timedelta(days=i) for i in range(4)]
    client = RpcClient(
        url, "ethereum", timeout=timeout, max_retries=12, backoff_base=0.01, backoff_max=0.05
    )
    with connect(warehouse) as con:
        report = sync_transfers(con, client, network, wallets, days, config.tz, load_id="x")
        snapshot_balances(
            con, client, network, wallets, report.day_end_blocks, report.final_block, "x"
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {
            t: sorted(con.execute(f"select {c} from {t}").fetchall(), key=repr)
            for t, c in RAW.items()
        }
    return report, rows


def test_faulty_provider_gives_the_fault_free_load(chain):
    config, node, tmp = chain
    # small windows and batches: many requests, so every fault kind shows up
    changes = {"max_block_range": 2, "rpc_batch_size": 1}
    _, clean = _load(config, node.url, tmp / "clean.duckdb", 10.0, **changes)
    assert len(clean["raw.onchain_transfers"]) > 20
    with FaultProxy(node.url, seed=20261125, shares=SHARES, delay_seconds=0.6) as proxy:
        report, faulty = _load(
            config, proxy.url, tmp / "faulty.duckdb", 0.3, log_reads=3, **changes
        )
    assert faulty == clean
    assert all(proxy.counts[name] > 0 for name in SHARES), proxy.counts
    assert report.fetch.rereads > 0  # short answers were noticed and read again


def test_a_provider_that_never_agrees_is_an_error_not_a_guess(chain):
    """Every answer misses a different log: no answer holds them all, so nothing loads."""
    config, node, tmp = chain
    with (
        FaultProxy(node.url, seed=3, shares={"short": 1.0}) as proxy,
        pytest.raises(RpcError, match="inconsistent answers"),
    ):
        _load(config, proxy.url, tmp / "never.duckdb", 10.0, log_reads=5)
    with duckdb.connect(str(tmp / "never.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.onchain_transfers").fetchone()[0] == 0
