"""The demo's second network: inventory bridged in from the first, then used there.

``play_bridge_chain(w3, config, network_name, bridge_out, end_date)`` deploys the demo token on
a fresh anvil for ``network_name`` (its own chain id and decimals, e.g. 18), and for every
bridge-out the first network's scenario made (a treasury burn there) mints the same value to
this network's treasury a minute later, as an issuer or bridge would. Then the operator uses it:
the treasury funds the hot wallet, the hot wallet pays a vendor, a customer deposits into the
omnibus and the omnibus pays a withdrawal. Late on the last day a run of empty blocks and three
blocks with transfers leave a pending tail however finality is defined (depth or `safe` tag).

Deterministic: explicit timestamps and a seeded random generator.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from eth_abi import encode as abi_encode
from web3 import Web3

from demo.scenario import (
    DEPLOY_LEAD_SECONDS,
    GAS_DEPLOY,
    ISSUER,
    SEL_MINT,
    SEL_TRANSFER,
    ScenarioError,
    ScenarioSummary,
    _Chain,
    _Ledger,
    _word,
    demo_address,
    local_midnight,
)
from demo.solidity import compile_contracts
from ingestion.config import Config

log = logging.getLogger(__name__)

TAIL_EMPTY_BLOCKS = 40  # more than anvil's `safe` depth (32): the tail stays pending
NEEDED_LABELS = ("treasury", "hot", "omnibus")


@dataclass
class BridgeSummary:
    network: str
    token_address: str
    first_block: int
    last_block: int
    minted: int = 0
    transfer_count: int = 0
    balances: dict[str, int] = field(default_factory=dict)


def _wallets(config: Config, network: str) -> dict[str, str]:
    """label suffix (treasury, hot, omnibus) -> address of the network's registry wallets."""
    out: dict[str, str] = {}
    for wallet in config.wallets_on(network):
        for label in NEEDED_LABELS:
            if wallet.label == label or wallet.label.endswith("-" + label):
                out[label] = wallet.address
    missing = [label for label in NEEDED_LABELS if label not in out]
    if missing:
        raise ScenarioError(
            f"the bridge scenario needs registry wallets on {network} labelled {missing} "
            f"(or '<prefix>-<label>'); see demo/usd1inv.yml"
        )
    return out


def play_bridge_chain(
    w3: Web3,
    config: Config,
    network_name: str,
    bridge_out: list[tuple[int, int]],
    end_date: date,
    *,
    source_decimals: int,
    seed: int = 11,
    build_dir: Path | None = None,
) -> BridgeSummary:
    """Play the second network's history on a fresh anvil (see the module docstring)."""
    network = config.network(network_name)
    rng = random.Random(seed)  # a reproducible simulation, not security
    unit = 10**network.token.decimals
    if network.token.decimals < source_decimals:
        raise ScenarioError(
            f"{network_name}: token decimals {network.token.decimals} < the source network's "
            f"{source_decimals}; a bridged amount would not be exact"
        )
    scale = 10 ** (network.token.decimals - source_decimals)
    wallets = _wallets(config, network_name)
    vendor = demo_address(f"{network_name}-vendor")
    customer = demo_address(f"{network_name}-customer")
    chain = _Chain(w3)
    ledger = _Ledger()
    chain_id = int(chain.call("eth_chainId", []), 16)
    if chain_id != network.chain_id:
        raise ScenarioError(f"node chain id {chain_id} != config chain id {network.chain_id}")
    for sender in (ISSUER, *wallets.values(), customer):
        chain.fund(sender)
    chain.call("evm_setAutomine", [False])

    contracts = compile_contracts(build_dir or config.data_dir / "build" / "contracts")
    args = abi_encode(
        ["string", "string", "uint8", "address"],
        [f"Demo {network.token.symbol}", network.token.symbol, network.token.decimals, ISSUER],
    )
    chain.send(ISSUER, None, contracts["DemoUSD1"]["bytecode"] + args.hex(), gas=GAS_DEPLOY)
    deploy_ts = local_midnight(config.start_date, config.tz) - DEPLOY_LEAD_SECONDS
    first_block, receipts = chain.mine(deploy_ts)
    token = receipts[0]["contractAddress"].lower()
    if token != network.token.address:
        raise ScenarioError(
            f"{network_name}: token deployed at {token}, config says {network.token.address}; "
            "the config must name the first contract of account 0 on a fresh anvil"
        )
    chain.token = token

    def transfer(sender: str, receiver: str, amount: int) -> None:
        ledger.move(sender, receiver, amount)
        chain.send(sender, token, "0x" + SEL_TRANSFER + _word(receiver) + _word(amount))

    def mint(receiver: str, amount: int) -> None:
        ledger.mint(receiver, amount)
        chain.send(ISSUER, token, "0x" + SEL_MINT + _word(receiver) + _word(amount))

    def mine(ts: int) -> None:
        chain.mine(ts)
        ledger.settle()

    def cents(low: int, high: int) -> int:
        return rng.randint(low * 100, high * 100) * (unit // 100)

    for ts, amount in bridge_out:
        mint(wallets["treasury"], amount * scale)
        mint(customer, cents(1_000, 5_000))
        mine(ts + 60)
        transfer(wallets["treasury"], wallets["hot"], ledger.available(wallets["treasury"]) // 2)
        transfer(customer, wallets["omnibus"], ledger.available(customer))
        mine(ts + 120)
        transfer(wallets["hot"], vendor, min(cents(100, 900), ledger.available(wallets["hot"])))
        transfer(wallets["omnibus"], customer, ledger.available(wallets["omnibus"]) // 3)
        mine(ts + 3_600)

    end = local_midnight(end_date + timedelta(days=1), config.tz)
    base = end - 1_200
    if chain.last_timestamp >= base - 10 * TAIL_EMPTY_BLOCKS:
        raise ScenarioError(f"{network_name}: bridge events run past {end_date}")
    for k in range(TAIL_EMPTY_BLOCKS):  # explicit timestamps: the chain is reproducible
        mine(base - 10 * (TAIL_EMPTY_BLOCKS - k))
    for k in range(3):
        mint(customer, cents(100, 500))
        mine(base + 60 * (k + 1))
        transfer(customer, wallets["omnibus"], ledger.available(customer))
        transfer(wallets["hot"], vendor, min(cents(10, 90), ledger.available(wallets["hot"])))
        mine(base + 60 * (k + 1) + 12)
    chain.call("evm_setAutomine", [True])
    summary = BridgeSummary(
        network=network_name,
        token_address=token,
        first_block=first_block,
        last_block=chain.last_block,
        minted=ledger.minted,
        transfer_count=chain.transfer_count,
        balances={a: b for a, b in sorted(ledger.balances.items())},
    )
    log.info(
        "bridge scenario %s: %d bridge-ins, blocks %d-%d, %d transfers",
        network_name,
        len(bridge_out),
        summary.first_block,
        summary.last_block,
        summary.transfer_count,
    )
    return summary


def play_demo_networks(
    webs: dict[str, Web3], config: Config, *, end_date: date | None = None
) -> tuple[ScenarioSummary, list[BridgeSummary]]:
    """The whole demo history: the scenario on the first network (with bridge-outs when more
    networks are configured) and the bridged inventory on every other network."""
    from demo.scenario import play_scenario

    first, others = config.networks[0], config.networks[1:]
    summary = play_scenario(webs[first.name], config, end_date=end_date, bridge=bool(others))
    bridges = [
        play_bridge_chain(
            webs[n.name],
            config,
            n.name,
            summary.bridge_out,
            summary.end_date,
            source_decimals=first.token.decimals,
        )
        for n in others
    ]
    return summary, bridges
