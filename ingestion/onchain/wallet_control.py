"""Who controls each registry wallet at each local day end: a single key, a Safe, or a contract.

For every synced local day the wallet's code is read with ``eth_getCode`` at the day's *check
block* (the same block ``balances.snapshot_balances`` reads balanceOf at: the last block at or
before the end of the day, never past the final block). No code: a single key (``eoa``).
Code: the wallet is asked Safe's view functions ``getOwners()`` (address[]) and
``getThreshold()`` (uint256) with ``eth_call`` at that block; when both answer and decode, it is
a ``safe`` with those signers and that threshold, else an ``other_contract`` (a contract whose
control the chain does not state). The calls go out in JSON-RPC batches; a reverted call is an
answer ("does not speak Safe"), not a failure. Rows are only rewritten when the block, its hash
or what was read changed, so a re-run changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
from eth_abi import decode as abi_decode
from eth_utils import keccak

from ingestion.config import Network, Wallet
from ingestion.onchain.balances import check_blocks, is_final_day
from ingestion.onchain.rpc import RpcClient, RpcError

log = logging.getLogger(__name__)

GET_OWNERS = "0xa0e67e2b"  # getOwners()
GET_THRESHOLD = "0xe75235b8"  # getThreshold()
MAX_THRESHOLD = 2**63 - 1  # BIGINT
KINDS = ("eoa", "safe", "other_contract")
# the rows go to raw.onchain_wallet_control, a Safe's signers one per row to
# raw.onchain_wallet_signers (both declared in ingestion/warehouse.py)


@dataclass(frozen=True)
class Control:
    """What the chain says controls a wallet at one block."""

    wallet_kind: str  # eoa | safe | other_contract
    code_hash: str | None = None  # keccak of the runtime code; None for an eoa
    signers: tuple[str, ...] | None = None  # sorted lower-case owners of a Safe
    threshold: int | None = None

    @property
    def signers_text(self) -> str | None:
        return ",".join(self.signers) if self.signers is not None else None


def decode_owners(result: object) -> tuple[str, ...] | None:
    """getOwners() return data -> sorted lower-case addresses; None when it is not address[]."""
    if not isinstance(result, str) or not result.startswith("0x") or len(result) < 130:
        return None
    try:
        (owners,) = abi_decode(["address[]"], bytes.fromhex(result[2:]))
    except Exception:  # any malformed answer: the contract does not speak Safe
        return None
    return tuple(sorted(str(o).lower() for o in owners))


def decode_threshold(result: object) -> int | None:
    """getThreshold() return data -> the number; None when it is not one uint256 word."""
    if not isinstance(result, str) or not result.startswith("0x") or len(result) != 66:
        return None
    try:
        return int(result, 16)
    except ValueError:
        return None


def is_revert(error: RpcError) -> bool:
    """A JSON-RPC error that says the call reverted (code 3, or "revert" in the message): the
    contract's answer "I have no such function", not a failure of the node."""
    text = str(error).lower()
    return "revert" in text or "json-rpc error 3:" in text


def classify(code: object, owners_result: object = None, threshold_result: object = None):
    """The Control of a wallet from its eth_getCode answer and, for a contract, the answers
    (return data, or an RpcError for a revert) of getOwners() and getThreshold()."""
    if not isinstance(code, str) or not code.startswith("0x"):
        raise RpcError(f"eth_getCode: expected hex code, got {str(code)[:80]!r}")
    if code in ("0x", "0x0"):
        return Control("eoa")
    code_hash = "0x" + keccak(hexstr=code).hex()
    owners = decode_owners(owners_result)
    threshold = decode_threshold(threshold_result)
    if owners is None or threshold is None:
        return Control("other_contract", code_hash)
    if threshold > MAX_THRESHOLD:
        return Control("other_contract", code_hash)
    return Control("safe", code_hash, owners, threshold)


def read_controls(
    client: RpcClient, network: Network, calls: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], Control]:
    """Control of every (address, block): eth_getCode for all, then getOwners()/getThreshold()
    for the contracts, in batches."""
    step = max(network.rpc_batch_size, 50)
    codes: dict[tuple[str, int], str] = {}
    for i in range(0, len(calls), step):
        part = calls[i : i + step]
        results = client.batch([("eth_getCode", [a, hex(b)]) for a, b in part])
        codes.update(zip(part, results, strict=True))
    contracts = [key for key in calls if codes[key] not in ("0x", "0x0")]
    answers: dict[tuple[str, int], tuple[object, object]] = {}
    half = max(step // 2, 1)
    for i in range(0, len(contracts), half):
        part = contracts[i : i + half]
        requests = []
        for address, block in part:
            for selector in (GET_OWNERS, GET_THRESHOLD):
                requests.append(("eth_call", [{"to": address, "data": selector}, hex(block)]))
        results = client.batch(requests, errors_as_results=True)
        for k, key in enumerate(part):
            answers[key] = (results[2 * k], results[2 * k + 1])
            for answer in answers[key]:
                if isinstance(answer, RpcError) and not is_revert(answer):
                    # not an answer of the contract (a pruned node, a node fault): fail loudly
                    raise RpcError(
                        f"rpc[{network.name}] Safe view call to {key[0]} at block {key[1]}: "
                        f"{answer}"
                    )
    out = {}
    for key in calls:
        try:
            out[key] = classify(codes[key], *answers.get(key, (None, None)))
        except RpcError as exc:
            raise RpcError(
                f"rpc[{network.name}] wallet control of {key[0]} at block {key[1]}: {exc}"
            ) from None
    return out


def snapshot_wallet_control(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    wallets: Sequence[Wallet],
    day_end_blocks: dict[date, tuple[int, bool]],
    final_block: int,
    load_id: str,
) -> int:
    """Read and store what controls every wallet at each given day's end; return rows written."""
    if not wallets or not day_end_blocks:
        return 0
    check_block = check_blocks(day_end_blocks, final_block)
    headers = client.block_headers(sorted(set(check_block.values())))
    existing = {
        (row[0], row[1]): row[2:]
        for row in con.execute(
            "select block_date, address, block_number, block_hash, is_final, wallet_kind, "
            "code_hash, signers, threshold from raw.onchain_wallet_control "
            "where chain_id = ? and block_date in (select unnest(?))",
            [network.chain_id, list(check_block)],
        ).fetchall()
    }
    wanted: list[tuple[date, str, int]] = []
    for day, block in sorted(check_block.items()):
        for wallet in wallets:
            old = existing.get((day, wallet.address))
            # a final row whose block still has the same hash needs no new call
            if old and old[2] and old[0] == block and old[1] == headers[block].hash:
                continue
            wanted.append((day, wallet.address, block))
    controls = read_controls(client, network, sorted({(a, b) for _, a, b in wanted}))
    rows = []
    for day, address, block in wanted:
        header, control = headers[block], controls[(address, block)]
        rows.append(
            (
                network.chain_id,
                network.name,
                address,
                block,
                header.hash,
                header.timestamp,
                day,
                control.wallet_kind,
                control.code_hash,
                control.signers_text,
                len(control.signers) if control.signers is not None else None,
                control.threshold,
                is_final_day(day_end_blocks, day, final_block),
                f"rpc:{network.name}:eth_getCode,getOwners,getThreshold@{block}",
                load_id,
            )
        )
    changed = [
        r
        for r in rows
        if existing.get((r[6], r[2])) != (r[3], r[4], r[12], r[7], r[8], r[9], r[11])
    ]
    if not changed:
        return 0
    con.execute("begin transaction")
    try:
        con.executemany(
            "delete from raw.onchain_wallet_control where chain_id = ? and address = ? "
            "and block_date = ?",
            [(r[0], r[2], r[6]) for r in changed],
        )
        con.executemany(
            "delete from raw.onchain_wallet_signers where chain_id = ? and address = ? "
            "and block_date = ?",
            [(r[0], r[2], r[6]) for r in changed],
        )
        con.executemany(
            "insert into raw.onchain_wallet_control values "
            "(?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            changed,
        )
        signers = [
            (r[0], r[1], r[2], r[6], signer)
            for r in changed
            for signer in controls[(r[2], r[3])].signers or ()
        ]
        if signers:
            con.executemany(
                "insert into raw.onchain_wallet_signers values (?, ?, ?, ?, ?)", signers
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s: %d wallet control row(s) written", network.name, len(changed))
    return len(changed)
