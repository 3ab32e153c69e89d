"""The demo scenario on a real anvil: right token address, calendar, supply and balances.

Starts anvil from node_modules (``make setup``) on 127.0.0.1, plays the full default
scenario (2026-08-01..2026-11-03) twice on fresh nodes and checks the chain against what the
scenario says it did. Takes a few seconds.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError

from demo.anvil import AnvilNode
from demo.scenario import (
    FROZEN_DEPOSIT,
    TRANSFER_TOPIC,
    ScenarioSummary,
    demo_address,
    genesis_timestamp,
    local_midnight,
    play_scenario,
)
from demo.solidity import compile_contracts
from ingestion.config import Config, load_config

pytestmark = pytest.mark.integration

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"


@dataclass
class Played:
    """A node with the scenario played on it."""

    node: AnvilNode
    w3: Web3
    summary: ScenarioSummary
    blocks: dict[int, dict[str, Any]]  # number -> {"timestamp": int, "hash": "0x..."}


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("contracts")


def _start_node(config: Config) -> AnvilNode:
    return AnvilNode(chain_id=config.networks[0].chain_id, timestamp=genesis_timestamp(config))


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def played(config: Config, build_dir: Path) -> Iterator[Played]:
    with _start_node(config) as node:
        w3 = node.web3()
        summary = play_scenario(w3, config, build_dir=build_dir)
        yield Played(node, w3, summary, _headers(w3))


def _headers(w3: Web3) -> dict[int, dict[str, Any]]:
    """Number -> timestamp and hash of every block (raw RPC: fast)."""
    headers = {}
    for number in range(w3.eth.block_number + 1):
        block = w3.provider.make_request("eth_getBlockByNumber", [hex(number), False])["result"]
        headers[number] = {"timestamp": int(block["timestamp"], 16), "hash": block["hash"]}
    return headers


def _local_day(timestamp: int, config: Config) -> date:
    return datetime.fromtimestamp(timestamp, config.tz).date()


def _token(played: Played, build_dir: Path, address: str) -> Any:
    abi = compile_contracts(build_dir)["DemoUSD1"]["abi"]
    return played.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _usd1_logs(played: Played) -> list[dict[str, Any]]:
    summary = played.summary
    response = played.w3.provider.make_request(
        "eth_getLogs",
        [
            {
                "address": summary.token_address,
                "fromBlock": hex(summary.first_block),
                "toBlock": hex(summary.last_block),
                "topics": [TRANSFER_TOPIC],
            }
        ],
    )
    return response["result"]


def test_token_is_deployed_at_the_configured_address(
    played: Played, config: Config, build_dir: Path
) -> None:
    token = config.networks[0].token
    assert played.summary.token_address == token.address
    usd1 = _token(played, build_dir, token.address)
    assert usd1.functions.decimals().call() == token.decimals
    assert usd1.functions.symbol().call() == token.symbol
    assert played.summary.decoy_token_address != token.address
    assert played.summary.decoy_nft_address not in (token.address, "")


def test_blocks_cover_at_least_60_local_days_and_silent_days_are_empty(
    played: Played, config: Config
) -> None:
    summary = played.summary
    scenario_blocks = [played.blocks[n] for n in range(summary.first_block, summary.last_block + 1)]
    days = {_local_day(b["timestamp"], config) for b in scenario_blocks}
    in_range = {d for d in days if summary.start_date <= d <= summary.end_date}
    assert len(in_range) >= 60
    assert in_range == set(summary.days_with_activity)
    assert not days & set(summary.silent_days)
    every_day = {
        summary.start_date + timedelta(days=i)
        for i in range((summary.end_date - summary.start_date).days + 1)
    }
    assert set(summary.silent_days) == every_day - in_range
    silent = set(summary.silent_days)
    assert any(all(d + timedelta(days=k) in silent for k in range(3)) for d in silent)
    sundays = [d for d in every_day if d.weekday() == 6]
    assert sum(d in silent for d in sundays) > len(sundays) / 2


def test_block_timestamps_strictly_increase(played: Played) -> None:
    stamps = [played.blocks[n]["timestamp"] for n in sorted(played.blocks)]
    assert all(a < b for a, b in itertools.pairwise(stamps))


def test_day_boundary_and_dst_blocks_carry_registry_transfers(
    played: Played, config: Config
) -> None:
    registry = {w.address for w in config.wallets}
    touching: set[int] = set()
    for entry in _usd1_logs(played):
        parties = {"0x" + t[-40:] for t in entry["topics"][1:]}
        if parties & registry:
            touching.add(int(entry["blockNumber"], 16))
    edges = played.summary.edge_blocks
    midnights = [b for name, b in edges.items() if name.startswith("midnight:")]
    last_seconds = [b for name, b in edges.items() if name.startswith("2359:")]
    assert midnights and last_seconds
    for block in midnights + last_seconds:
        assert block in touching
    for block in midnights:
        stamp = played.blocks[block]["timestamp"]
        assert stamp == local_midnight(_local_day(stamp, config), config.tz)
    for block in last_seconds:
        stamp = played.blocks[block]["timestamp"]
        local = datetime.fromtimestamp(stamp, config.tz)
        assert (local.hour, local.minute, local.second) == (23, 59, 59)
    fold0, fold1 = edges["dst-fold0:2026-11-01"], edges["dst-fold1:2026-11-01"]
    wall0 = datetime.fromtimestamp(played.blocks[fold0]["timestamp"], config.tz)
    wall1 = datetime.fromtimestamp(played.blocks[fold1]["timestamp"], config.tz)
    assert wall0.replace(tzinfo=None) == wall1.replace(tzinfo=None)  # same wall-clock time
    assert wall0.utcoffset() != wall1.utcoffset()


def test_supply_zero_transfer_and_unfinalised_tail(
    played: Played, config: Config, build_dir: Path
) -> None:
    summary = played.summary
    usd1 = _token(played, build_dir, summary.token_address)
    assert summary.minted > 0 and summary.burned > 0
    assert usd1.functions.totalSupply().call() == summary.minted - summary.burned
    logs = _usd1_logs(played)
    assert len(logs) == summary.transfer_count
    assert any(int(entry["data"], 16) == 0 for entry in logs)
    with_transfers = {int(entry["blockNumber"], 16) for entry in logs}
    confirmations = config.networks[0].confirmations
    tail = range(summary.last_block - confirmations + 1, summary.last_block + 1)
    assert all(block in with_transfers for block in tail)


def test_tracked_balances_equal_balance_of(played: Played, config: Config, build_dir: Path) -> None:
    summary = played.summary
    usd1 = _token(played, build_dir, summary.token_address)
    at = summary.last_block
    for wallet in config.wallets:
        on_chain = usd1.functions.balanceOf(Web3.to_checksum_address(wallet.address)).call(
            block_identifier=at
        )
        assert on_chain == summary.balances.get(wallet.address, 0), wallet.label
    for address, tracked in summary.balances.items():
        assert tracked >= 0
        assert usd1.functions.balanceOf(Web3.to_checksum_address(address)).call() == tracked


def test_look_alike_logs_touch_registry_wallets(played: Played, config: Config) -> None:
    registry = {w.address for w in config.wallets}
    summary = played.summary
    response = played.w3.provider.make_request(
        "eth_getLogs",
        [
            {
                "address": [summary.decoy_token_address, summary.decoy_nft_address],
                "fromBlock": hex(summary.first_block),
                "toBlock": hex(summary.last_block),
                "topics": [TRANSFER_TOPIC],
            }
        ],
    )
    logs = response["result"]
    nft = [e for e in logs if e["address"].lower() == summary.decoy_nft_address]
    decoy = [e for e in logs if e["address"].lower() == summary.decoy_token_address]
    assert nft and all(len(e["topics"]) == 4 for e in nft)
    assert decoy and all(len(e["topics"]) == 3 for e in decoy)
    for group in (nft, decoy):
        assert any({"0x" + t[-40:] for t in e["topics"][1:3]} & registry for e in group)


def test_same_seed_gives_the_same_chain_and_nodes_stop(
    played: Played, config: Config, build_dir: Path
) -> None:
    expected = played.blocks[played.summary.last_block]["hash"]
    node = _start_node(config)
    with node:
        port = node.port
        assert _port_open(port)
        summary = play_scenario(node.web3(), config, build_dir=build_dir)
        assert summary.last_block == played.summary.last_block
        assert _headers(node.web3())[summary.last_block]["hash"] == expected
    assert not node.running
    assert not _port_open(port)


def test_the_issuer_freezes_a_deposit_address_for_a_few_days(
    played: Played, config: Config, build_dir: Path
) -> None:
    """deposit-04 is blacklisted mid-history while it holds a deposit and unblacklisted days
    later; while frozen it neither sends nor receives, and a transfer to it reverts."""
    summary = played.summary
    usd1 = _token(played, build_dir, summary.token_address)
    deposit = next(w.address for w in config.wallets if w.label == FROZEN_DEPOSIT)
    [(address, frozen_at, unfrozen_at)] = summary.freezes
    assert address == deposit
    freeze, unfreeze = summary.edge_blocks["freeze"], summary.edge_blocks["unfreeze"]
    assert played.blocks[freeze]["timestamp"] == frozen_at
    assert played.blocks[unfreeze]["timestamp"] == unfrozen_at
    assert 3 <= (_local_day(unfrozen_at, config) - _local_day(frozen_at, config)).days <= 10

    def blacklisted(block: int) -> bool:
        return usd1.functions.isBlacklisted(Web3.to_checksum_address(deposit)).call(
            block_identifier=block
        )

    assert [blacklisted(b) for b in (freeze - 1, freeze, unfreeze - 1, unfreeze)] == [
        False,
        True,
        True,
        False,
    ]
    held = usd1.functions.balanceOf(Web3.to_checksum_address(deposit)).call(block_identifier=freeze)
    assert held > 0
    assert (
        usd1.functions.balanceOf(Web3.to_checksum_address(deposit)).call(
            block_identifier=unfreeze - 1
        )
        == held
    )
    # no Transfer touches it while frozen
    touching = [
        int(e["blockNumber"], 16)
        for e in _usd1_logs(played)
        if deposit[2:] in (e["topics"][1][-40:], e["topics"][2][-40:])
    ]
    assert not [b for b in touching if freeze < b < unfreeze]
    # the token refuses a transfer to it while frozen, and takes one after
    maker = Web3.to_checksum_address(demo_address("market-maker"))
    pay = usd1.functions.transfer(Web3.to_checksum_address(deposit), 1)
    refused = "0x" + keccak(text="AccountBlacklisted(address)")[:4].hex() + "0" * 24 + deposit[2:]
    with pytest.raises(ContractLogicError, match=refused):
        pay.call({"from": maker}, block_identifier=unfreeze - 1)
    assert pay.call({"from": maker}, block_identifier=unfreeze) is True
