"""Issuer freezes: the token's freeze view read at each day end for own wallets and counterparties.

When a network's token has a `freeze:` block (ingestion/freeze_config.py), its view function
(`isBlacklisted(address)`, `isFrozen(address)` …) is called with `eth_call` at every synced
local day's check block, the same block the balanceOf check uses (the last block at or before
the end of the day, never past the network's final block), for every registry wallet and every
configured counterparty on that network. The calls go out in JSON-RPC batches. A row is only
rewritten when its block, the block's hash or the answer changed, so a re-run changes nothing
and a re-orged check block is read again. The answer at the day end is the source of truth:
`marts.inventory_daily` counts a frozen wallet's balance as `frozen`, `marts.freeze_exposure`
lists frozen wallets and outflows to frozen counterparties.

The freeze and unfreeze events the configuration names are loaded too
(`sync_freeze_events`, raw.onchain_freeze_events, final blocks only), so the mart can say since
when an address has been frozen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import duckdb
from eth_utils import keccak

from ingestion.config import Network
from ingestion.onchain.balances import check_blocks, is_final_day
from ingestion.onchain.logs import address_topic, fetch_transfer_logs
from ingestion.onchain.rpc import RpcClient, RpcError

log = logging.getLogger(__name__)

TRUE_WORD = "0x" + "0" * 63 + "1"
FALSE_WORD = "0x" + "0" * 64


def parse_frozen(result: object, network: Network, address: str, block: int) -> bool:
    """The view's answer as a bool; "0x" (no code at that block) is not frozen."""
    view = network.token.freeze.view if network.token.freeze else "freeze view"
    if result == "0x":  # no code at that block: the token was not deployed yet
        return False
    if isinstance(result, str) and result.lower() in (TRUE_WORD, FALSE_WORD):
        return result.lower() == TRUE_WORD
    raise RpcError(
        f"rpc[{network.name}] eth_call {view} of {address} at block {block} on token "
        f"{network.token.address}: expected a bool (one 32-byte word, 0 or 1), got "
        f"{str(result)[:80]!r}; check networks[{network.name}].token.freeze.view"
    )


def snapshot_freezes(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    addresses: Sequence[str],
    day_end_blocks: dict[date, tuple[int, bool]],
    final_block: int,
    load_id: str,
) -> int:
    """Read and store the freeze view of every address at every given day's check block;
    return the rows written. Nothing is read when the token has no `freeze:` block."""
    freeze = network.token.freeze
    addresses = sorted({a.lower() for a in addresses})
    if freeze is None or not addresses or not day_end_blocks:
        return 0
    check_block = check_blocks(day_end_blocks, final_block)
    headers = client.block_headers(sorted(set(check_block.values())))
    existing = {
        (row[0], row[1]): row[2:]
        for row in con.execute(
            "select block_date, address, block_number, block_hash, is_frozen, is_final "
            "from raw.onchain_freezes where chain_id = ? and token_address = ? "
            "and block_date in (select unnest(?))",
            [network.chain_id, network.token.address, list(check_block)],
        ).fetchall()
    }
    wanted: list[tuple[date, str, int]] = []
    for day, block in sorted(check_block.items()):
        for address in addresses:
            old = existing.get((day, address))
            # a final row whose block still has the same hash needs no new call
            if old and old[3] and old[0] == block and old[1] == headers[block].hash:
                continue
            wanted.append((day, address, block))
    calls = sorted({(address, block) for _, address, block in wanted})
    frozen: dict[tuple[str, int], bool] = {}
    step = max(network.rpc_batch_size, 50)
    for i in range(0, len(calls), step):
        part = calls[i : i + step]
        try:
            results = client.batch(
                [
                    (
                        "eth_call",
                        [
                            {
                                "to": network.token.address,
                                "data": freeze.view_selector + address_topic(a)[2:],
                            },
                            hex(block),
                        ],
                    )
                    for a, block in part
                ]
            )
        except RpcError as exc:
            raise RpcError(
                f"rpc[{network.name}] eth_call {freeze.view} on token {network.token.address} "
                f"failed ({exc}); check networks[{network.name}].token.freeze.view"
            ) from exc
        for (address, block), result in zip(part, results, strict=True):
            frozen[(address, block)] = parse_frozen(result, network, address, block)
    rows = []
    for day, address, block in wanted:
        header = headers[block]
        rows.append(
            (
                network.chain_id,
                network.name,
                network.token.address,
                address,
                block,
                header.hash,
                header.timestamp,
                day,
                frozen[(address, block)],
                is_final_day(day_end_blocks, day, final_block),
                f"rpc:{network.name}:eth_call {freeze.view}@{block}",
                load_id,
            )
        )
    changed = [r for r in rows if existing.get((r[7], r[3])) != (r[4], r[5], r[8], r[9])]
    if not changed:
        return 0
    con.execute("begin transaction")
    try:
        con.executemany(
            "delete from raw.onchain_freezes where chain_id = ? and token_address = ? "
            "and address = ? and block_date = ?",
            [(r[0], r[2], r[3], r[7]) for r in changed],
        )
        con.executemany(
            "insert into raw.onchain_freezes values "
            "(?, ?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?, ?, ?)",
            changed,
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s: %d freeze row(s) written", network.name, len(changed))
    return len(changed)


def freeze_event_address(entry: dict) -> str | None:
    """The address a freeze event names: its first indexed topic (USDC
    `Blacklisted(address indexed)`), else its one data word (USDT `AddedBlackList(address)`);
    None when the log has neither shape."""
    topics = entry.get("topics") or []
    data = (entry.get("data") or "0x")[2:]
    if len(topics) == 2 and len(topics[1]) == 66:
        return "0x" + topics[1][-40:].lower()
    if len(topics) == 1 and len(data) == 64:
        return "0x" + data[-40:].lower()
    return None


def sync_freeze_events(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    from_block: int,
    to_block: int,
    load_id: str,
) -> int:
    """Load the token's freeze and unfreeze events (token.freeze.frozen_events /
    unfrozen_events, every address) of the final blocks [from_block, to_block] into
    raw.onchain_freeze_events; return the rows inserted or deleted.

    The range is replaced as a whole, and only when what the node says differs from what raw
    holds, so a re-run changes nothing. Callers pass final blocks only: a final block is not
    re-orged. They say when a freeze changed; the day-end view stays the source of truth.
    """
    freeze = network.token.freeze
    if freeze is None or to_block < from_block:
        return 0
    topics = freeze.event_topics()
    if not topics:
        return 0
    entries = fetch_transfer_logs(
        client,
        network.token.address,
        None,
        from_block,
        to_block,
        network.max_block_range,
        reads=network.log_reads,
        batch_size=network.rpc_batch_size,
        topic_filters=[[sorted(topics)]],
    )
    names = {"0x" + keccak(text=e).hex(): e for e in freeze.frozen_events + freeze.unfrozen_events}
    found = []
    for entry in entries:
        address = freeze_event_address(entry)
        if address is None or entry.get("removed"):
            log.warning(
                "%s: freeze event in tx %s log %s has no address topic or word; skipped",
                network.name,
                entry.get("transactionHash"),
                entry.get("logIndex"),
            )
            continue
        topic0 = entry["topics"][0].lower()
        found.append(
            (
                int(entry["blockNumber"], 16),
                entry["blockHash"].lower(),
                entry["transactionHash"].lower(),
                int(entry["logIndex"], 16),
                address,
                topics[topic0],
                names[topic0],
            )
        )
    existing = con.execute(
        "select block_number, block_hash, tx_hash, log_index, address, is_frozen, "
        "event_signature from raw.onchain_freeze_events where chain_id = ? and token_address = ? "
        "and block_number between ? and ?",
        [network.chain_id, network.token.address, from_block, to_block],
    ).fetchall()
    if sorted(existing) == sorted(found):
        return 0
    headers = client.block_headers(sorted({f[0] for f in found}))
    source = f"rpc:{network.name}:eth_getLogs {from_block}-{to_block}"
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from raw.onchain_freeze_events where chain_id = ? and token_address = ? "
            "and block_number between ? and ?",
            [network.chain_id, network.token.address, from_block, to_block],
        )
        if found:
            con.executemany(
                "insert into raw.onchain_freeze_events values "
                "(?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        network.chain_id,
                        network.name,
                        network.token.address,
                        row[0],
                        row[1],
                        headers[row[0]].timestamp,
                        *row[2:],
                        source,
                        load_id,
                    )
                    for row in found
                ],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info(
        "%s: %d freeze event(s) in blocks %d-%d", network.name, len(found), from_block, to_block
    )
    return len(found) + len(existing)


def freeze_event_range(
    con: duckdb.DuckDBPyConnection, network: Network, days: Sequence[date], final_block: int
) -> tuple[int, int] | None:
    """The final blocks of the given synced local days (raw.onchain_day_blocks): the range
    whose freeze events a run loads; None when they have no final block."""
    first, last = con.execute(
        "select min(first_block), max(last_block) from raw.onchain_day_blocks "
        "where network = ? and block_date in (select unnest(?)) and first_block is not null",
        [network.name, list(days)],
    ).fetchone()
    if first is None or first > final_block:
        return None
    return first, min(last, final_block)
