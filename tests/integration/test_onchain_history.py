"""History before the first shown day: its partition loads every earlier block from the
network's start_block, so balances on the first day already include older transfers."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from demo.anvil import AnvilNode
from ingestion.config import load_config
from ingestion.onchain.rpc import RpcClient
from ingestion.onchain.transfers import merge_segments, sync_transfers
from ingestion.warehouse import init_warehouse
from tests.conftest import write_config
from tests.onchain_chain import TokenChain, local_ts

pytestmark = pytest.mark.integration

FIRST_SHOWN = date(2026, 8, 10)


def test_merge_segments():
    assert merge_segments([(5, 9), (0, 4), (20, 30), (25, 40)]) == [(0, 9), (20, 40)]


@pytest.fixture
def chain_with_history(tmp_path):
    config = load_config(write_config(tmp_path, start_date=FIRST_SHOWN.isoformat()))
    network = config.network("ethereum")
    a, b = (w.address for w in config.wallets_on("ethereum")[:2])
    outsider = "0x" + "77" * 20
    genesis = local_ts(FIRST_SHOWN - timedelta(days=12), 0, config.tz)
    with AnvilNode(chain_id=network.chain_id, timestamp=genesis) as node:
        chain = TokenChain(node.web3(), tmp_path / "build", decimals=network.token.decimals)
        chain.fund(a, b, outsider)
        chain.deploy(local_ts(FIRST_SHOWN - timedelta(days=10), 9, config.tz))
        chain.mint(a, 5_000_000)  # a week before the first shown day
        chain.mine(local_ts(FIRST_SHOWN - timedelta(days=7), 9, config.tz))
        chain.transfer(a, outsider, 1_000_000)
        chain.mine(local_ts(FIRST_SHOWN - timedelta(days=1), 23, config.tz))
        chain.transfer(a, b, 250_000)  # on the first shown day
        last = chain.mine(local_ts(FIRST_SHOWN, 12, config.tz))
        for hour in range(1, 6):  # enough blocks on top for finality
            chain.mine(local_ts(FIRST_SHOWN + timedelta(days=1), hour, config.tz))
        yield config, network, node, chain, (a, b), last


def _balances(con, network) -> dict[str, int]:
    rows = con.execute(
        """
        select address, sum(amount) from (
            select to_address as address, amount_raw as amount from raw.onchain_transfers
            where chain_id = ? and is_final
            union all
            select from_address, -amount_raw from raw.onchain_transfers
            where chain_id = ? and is_final)
        group by address
        """,
        [network.chain_id, network.chain_id],
    ).fetchall()
    return {address: int(total) for address, total in rows}


@pytest.mark.parametrize("with_history", [True, False])
def test_first_day_includes_history(chain_with_history, with_history):
    config, network, node, chain, (a, b), last = chain_with_history
    con = duckdb.connect()
    init_warehouse(con)
    client = RpcClient(node.url, network.name)
    sync_transfers(
        con,
        client,
        network,
        config.wallets_on("ethereum"),
        [FIRST_SHOWN],
        config.tz,
        history_from=FIRST_SHOWN if with_history else None,
    )
    balances = _balances(con, network)
    if with_history:
        assert balances.get(a, 0) == chain.balance_of(a, last) == 3_750_000
        assert balances.get(b, 0) == chain.balance_of(b, last) == 250_000
        # a re-run of the same day changes nothing
        before = con.execute("select * from raw.onchain_transfers order by all").fetchall()
        sync_transfers(
            con,
            client,
            network,
            config.wallets_on("ethereum"),
            [FIRST_SHOWN],
            config.tz,
            history_from=FIRST_SHOWN,
        )
        assert con.execute("select * from raw.onchain_transfers order by all").fetchall() == before
    else:  # without the history segment the older mint is missing: why it exists
        assert balances.get(a, 0) == -250_000
