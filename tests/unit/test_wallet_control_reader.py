"""The wallet-control reader without a node: Safe answers decoded in process, a fake RpcClient
that answers eth_getCode / getOwners / getThreshold per (address, block), reverts included."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from ingestion.config import Network, Token, Wallet, load_config
from ingestion.onchain.rpc import BlockHeader, RpcError
from ingestion.onchain.wallet_control import (
    GET_OWNERS,
    GET_THRESHOLD,
    classify,
    decode_owners,
    snapshot_wallet_control,
)
from ingestion.registry import load_registry
from ingestion.warehouse import init_warehouse
from tests.conftest import write_config

EOA = "0x" + "11" * 20
SAFE = "0x" + "22" * 20
TOKENISH = "0x" + "33" * 20
A, B, C = ("0x" + c * 40 for c in "abc")


def _owners(*owners: str) -> str:
    return "0x" + abi_encode(["address[]"], [list(owners)]).hex()


def _uint(value: int) -> str:
    return "0x" + f"{value:064x}"


def test_selectors_are_safes_view_functions():
    assert "0x" + function_signature_to_4byte_selector("getOwners()").hex() == GET_OWNERS
    assert "0x" + function_signature_to_4byte_selector("getThreshold()").hex() == GET_THRESHOLD


def test_classify_eoa_safe_and_other_contract():
    assert classify("0x").wallet_kind == "eoa"
    safe = classify("0x6080", _owners(C, A, B), _uint(2))
    assert safe.wallet_kind == "safe"
    assert safe.signers == (A, B, C)  # sorted, lower-case
    assert safe.signers_text == f"{A},{B},{C}"
    assert safe.threshold == 2 and safe.code_hash and safe.code_hash.startswith("0x")
    # a contract that reverts, answers nothing or garbage does not speak Safe
    revert = RpcError("execution reverted")
    assert classify("0x6080", revert, revert).wallet_kind == "other_contract"
    assert classify("0x6080", "0x", "0x").wallet_kind == "other_contract"
    assert classify("0x6080", _owners(A), "0x1234").wallet_kind == "other_contract"
    assert classify("0x6080", "0x" + "ff" * 64, _uint(1)).wallet_kind == "other_contract"
    assert classify("0x6080", _owners(A), _uint(2**255)).wallet_kind == "other_contract"
    with pytest.raises(RpcError, match="expected hex code"):
        classify(None)


def test_decode_owners_rejects_a_word_that_is_not_an_address_array():
    assert decode_owners(_uint(7)) is None
    assert decode_owners(None) is None
    assert decode_owners(_owners()) == ()


class ControlNode:
    """Answers per (address, block): code, getOwners and getThreshold (a str, or an RpcError
    for a revert); counts the calls it was asked."""

    network = "fake"

    def __init__(self, state: dict[tuple[str, int], tuple[str, object, object]]):
        self.state = state
        self.calls: list[tuple[str, str, int]] = []

    def block_headers(self, numbers) -> dict[int, BlockHeader]:
        return {n: BlockHeader(n, f"0x{n:064x}", 1_790_000_000 + n) for n in numbers}

    def batch(self, calls, *, errors_as_results: bool = False, **_):
        out = []
        for method, params in calls:
            if method == "eth_getCode":
                address, tag = params
                self.calls.append(("code", address, int(tag, 16)))
                out.append(self.state[(address, int(tag, 16))][0])
                continue
            tx, tag = params
            key = (tx["to"], int(tag, 16))
            answer = self.state[key][1 if tx["data"] == GET_OWNERS else 2]
            self.calls.append((tx["data"], tx["to"], int(tag, 16)))
            if isinstance(answer, RpcError) and not errors_as_results:
                raise answer
            out.append(answer)
        return out


def _network() -> Network:
    return Network(
        name="ethereum",
        chain_id=1,
        rpc_url_env="X",
        confirmations=0,
        token=Token(address="0x" + "ab" * 20, symbol="USD1", decimals=6),
    )


def _wallet(address: str, label: str) -> Wallet:
    return Wallet(
        address=address,
        network="ethereum",
        entity="e",
        label=label,
        purpose="cold",
        custody_provider="self",
        ownership="operating",
    )


def _rows(con):
    return con.execute(
        "select block_date, address, block_number, wallet_kind, signers, signer_count, "
        "threshold, is_final from raw.onchain_wallet_control order by 1, 2"
    ).fetchall()


def test_rows_per_wallet_and_day_rerun_changes_nothing_and_a_signer_change_is_stored():
    con = duckdb.connect()
    init_warehouse(con)
    revert = RpcError("rpc[ethereum] eth_call: JSON-RPC error 3: execution reverted")
    state = {}
    for block in (10, 20, 25):
        state[(EOA, block)] = ("0x", None, None)
        state[(TOKENISH, block)] = ("0x6080aa", revert, revert)
        owners = (A, B) if block < 20 else (A, C)  # B swapped for C before block 20
        state[(SAFE, block)] = ("0x6080bb", _owners(*owners), _uint(2))
    node = ControlNode(state)
    wallets = [_wallet(EOA, "hot"), _wallet(SAFE, "cold"), _wallet(TOKENISH, "other")]
    ends = {
        date(2026, 9, 1): (10, True),
        date(2026, 9, 2): (20, True),
        date(2026, 9, 3): (30, False),  # incomplete: read at the final block, not final
    }
    written = snapshot_wallet_control(con, node, _network(), wallets, ends, 25, "load-1")
    assert written == 9
    # getOwners / getThreshold asked of contracts only
    asked = {(what, address) for what, address, _ in node.calls if what != "code"}
    assert {address for _, address in asked} == {SAFE, TOKENISH}
    rows = _rows(con)
    assert [(str(r[0]), r[1], r[3]) for r in rows if r[1] != EOA and r[1] != TOKENISH] == [
        ("2026-09-01", SAFE, "safe"),
        ("2026-09-02", SAFE, "safe"),
        ("2026-09-03", SAFE, "safe"),
    ]
    by_key = {(str(r[0]), r[1]): r for r in rows}
    assert by_key[("2026-09-01", SAFE)][4:7] == (f"{A},{B}", 2, 2)
    assert by_key[("2026-09-02", SAFE)][4:7] == (f"{A},{C}", 2, 2)
    assert by_key[("2026-09-03", SAFE)][2] == 25 and by_key[("2026-09-03", SAFE)][7] is False
    assert by_key[("2026-09-01", EOA)][3:7] == ("eoa", None, None, None)
    assert by_key[("2026-09-01", TOKENISH)][3:7] == ("other_contract", None, None, None)
    signers = con.execute(
        "select block_date, signer from raw.onchain_wallet_signers where address = ? order by 1, 2",
        [SAFE],
    ).fetchall()
    assert [(str(d), s) for d, s in signers] == [
        ("2026-09-01", A),
        ("2026-09-01", B),
        ("2026-09-02", A),
        ("2026-09-02", C),
        ("2026-09-03", A),
        ("2026-09-03", C),
    ]
    before = len(node.calls)
    # a re-run reads only the open day again and writes nothing
    again = snapshot_wallet_control(con, node, _network(), wallets, ends, 25, "load-2")
    assert again == 0
    assert {block for _, _, block in node.calls[before:]} == {25}
    assert _rows(con) == rows


def test_a_node_error_on_a_safe_call_fails_instead_of_reading_as_no_safe():
    con = duckdb.connect()
    init_warehouse(con)
    missing = RpcError("rpc[ethereum] eth_call: JSON-RPC error -32000: missing trie node")
    node = ControlNode({(SAFE, 10): ("0x6080bb", missing, _uint(2))})
    ends = {date(2026, 9, 1): (10, True)}
    with pytest.raises(RpcError, match=f"Safe view call to {SAFE} at block 10.*missing trie"):
        snapshot_wallet_control(con, node, _network(), [_wallet(SAFE, "cold")], ends, 10, "l1")
    assert con.execute("select count(*) from raw.onchain_wallet_control").fetchone() == (0,)


def test_a_reorged_check_block_is_read_again_and_replaced():
    con = duckdb.connect()
    init_warehouse(con)
    state = {(SAFE, 10): ("0x6080bb", _owners(A, B), _uint(2))}
    node = ControlNode(state)
    ends = {date(2026, 9, 1): (10, True)}
    snapshot_wallet_control(con, node, _network(), [_wallet(SAFE, "cold")], ends, 10, "l1")
    # the block is replaced (new hash) and the Safe answers other owners there now
    node.block_headers = lambda numbers: {n: BlockHeader(n, "0x" + "ee" * 32, 1) for n in numbers}
    state[(SAFE, 10)] = ("0x6080bb", _owners(C), _uint(1))
    assert snapshot_wallet_control(con, node, _network(), [_wallet(SAFE, "cold")], ends, 10, "l2")
    assert [(r[4], r[6]) for r in _rows(con)] == [(C, 1)]
    assert con.execute("select signer from raw.onchain_wallet_signers").fetchall() == [(C,)]


def test_registry_claims_default_to_none_and_load(tmp_path):
    config = load_config(write_config(tmp_path))
    claims = {w.label: w.control for w in config.wallets}
    assert claims["cold-vault"] == "safe"
    assert claims["buffer"] is None  # no claim: existing registries still load
    con = duckdb.connect()
    init_warehouse(con)
    counts = load_registry(con, config)
    rows = con.execute("select * from raw.registry_wallet_control_claims order by 1, 2").fetchall()
    assert counts["wallet_control_claims"] == len(rows) >= 1
    cold = next(w for w in config.wallets if w.label == "cold-vault")
    assert (cold.network, cold.address, "safe") in rows
