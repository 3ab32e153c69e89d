"""The wallet-control reader against a real anvil: a single key, a Safe-compatible multisig
(demo/contracts/DemoSafe.sol, code placed and set up as the demo does) before and after a
signer swap, and a contract that is no Safe (the token: its getOwners() call really reverts).
A few seconds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from eth_abi import encode as abi_encode
from eth_account import Account

from demo.anvil import AnvilNode
from demo.scenario import (
    SEL_SAFE_EXECUTE,
    SEL_SAFE_SETUP,
    SEL_SAFE_SWAP,
    _word,
    demo_signer,
    demo_signer_key,
)
from demo.solidity import compile_contracts
from ingestion.config import Network, Token, Wallet
from ingestion.onchain.rpc import RpcClient
from ingestion.onchain.wallet_control import read_controls, snapshot_wallet_control
from ingestion.warehouse import init_warehouse
from tests.onchain_chain import TokenChain

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
EOA = "0x" + "11" * 20
SAFE = "0x" + "22" * 20
RELAYER = "0x" + "33" * 20
T0 = 1_790_000_000


def _execute(chain: TokenChain, to: str, data: str, nonce: int, signers: list[str]) -> None:
    """A call of the Safe, signed by `signers` (their demo keys), sent by the relayer."""
    from eth_utils import keccak

    payload = bytes.fromhex(data[2:])
    digest = keccak(
        abi_encode(
            ["uint256", "address", "address", "bytes32", "uint256"],
            [CHAIN_ID, SAFE, to, keccak(payload), nonce],
        )
    )
    keys = sorted((demo_signer(n), demo_signer_key(n)) for n in signers)
    signatures = b"".join(Account.unsafe_sign_hash(digest, k).signature for _, k in keys)
    call = abi_encode(["address", "bytes", "bytes"], [to, payload, signatures])
    chain._send(RELAYER, SAFE, "0x" + SEL_SAFE_EXECUTE + call.hex(), gas=400_000)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    build = tmp_path_factory.mktemp("wallet_control")
    with AnvilNode(chain_id=CHAIN_ID, timestamp=T0) as node:
        chain = TokenChain(node.web3(), build)
        chain.fund(RELAYER)
        token = chain.deploy(T0 + 10)
        chain.call("anvil_setCode", [SAFE, compile_contracts(build)["DemoSafe"]["runtime"]])
        owners = [demo_signer(n) for n in ("s1", "s2", "s3")]
        setup = abi_encode(["address[]", "uint256"], [owners, 2])
        chain._send(RELAYER, SAFE, "0x" + SEL_SAFE_SETUP + setup.hex(), gas=400_000)
        before = chain.mine(T0 + 20)
        swap = "0x" + SEL_SAFE_SWAP + _word(demo_signer("s2")) + _word(demo_signer("s4"))
        _execute(chain, SAFE, swap, 0, ["s1", "s2"])
        after = chain.mine(T0 + 30)
        # the swapped-out signer can no longer sign: s1 + s4 can (nonce 1)
        _execute(chain, SAFE, "0x" + SEL_SAFE_SWAP + _word(demo_signer("s4")) + _word(
            demo_signer("s2")), 1, ["s1", "s4"])  # fmt: skip
        back = chain.mine(T0 + 40)
        yield node, token, before, after, back


def _network() -> Network:
    return Network(
        name="ethereum",
        chain_id=CHAIN_ID,
        rpc_url_env="X",
        confirmations=0,
        token=Token(address="0x" + "ab" * 20, symbol="USD1", decimals=6),
    )


def test_eoa_safe_and_other_contract_on_a_real_node(chain):
    node, token, before, after, back = chain
    client = RpcClient(node.url, "ethereum", backoff_base=0.01)
    controls = read_controls(
        client,
        _network(),
        [(EOA, after), (token, after), (SAFE, before), (SAFE, after), (SAFE, back), (SAFE, 0)],
    )
    assert controls[(EOA, after)].wallet_kind == "eoa"
    assert controls[(token, after)].wallet_kind == "other_contract"  # getOwners() reverts
    assert controls[(SAFE, before)].signers == tuple(
        sorted(demo_signer(n) for n in ("s1", "s2", "s3"))
    )
    assert controls[(SAFE, after)].signers == tuple(
        sorted(demo_signer(n) for n in ("s1", "s3", "s4"))
    )
    assert controls[(SAFE, back)].signers == controls[(SAFE, before)].signers
    assert {controls[(SAFE, b)].threshold for b in (before, after, back)} == {2}
    # before the code was placed the address was a plain key (anvil_setCode changes the state
    # of the head block when it is called: block 1 here, so genesis is the block before)
    assert controls[(SAFE, 0)].wallet_kind == "eoa"


def test_snapshot_on_a_real_node_is_idempotent(chain, tmp_path: Path):
    node, token, before, after, back = chain
    client = RpcClient(node.url, "ethereum", backoff_base=0.01)
    wallets = [
        Wallet(
            address=a,
            network="ethereum",
            entity="e",
            label=label,
            purpose="cold",
            custody_provider="self",
            ownership="operating",
        )
        for a, label in ((EOA, "hot"), (SAFE, "cold"), (token, "token"))
    ]
    ends = {date(2026, 9, 1): (before, True), date(2026, 9, 2): (after, True)}
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    init_warehouse(con)
    assert snapshot_wallet_control(con, client, _network(), wallets, ends, back, "l1") == 6
    first = con.execute("select * from raw.onchain_wallet_control order by all").fetchall()
    assert snapshot_wallet_control(con, client, _network(), wallets, ends, back, "l2") == 0
    assert con.execute("select * from raw.onchain_wallet_control order by all").fetchall() == first
    kinds = {(r[2], str(r[6])): r[7] for r in first}
    assert kinds[(SAFE, "2026-09-02")] == "safe" and kinds[(token, "2026-09-01")] == (
        "other_contract"
    )
    assert con.execute("select count(*) from raw.onchain_wallet_signers").fetchone() == (6,)
