"""balanceOf every registry wallet at each period end: an independent check of the transfers.

For every synced local day (and, on the last day of a month, for the month too) the token's
`balanceOf(wallet)` is read with `eth_call` at the period's *check block*: the last block at or
before the end of the period, but never past the network's final block. Transfer-derived
balances count final transfers only, so both sides describe the same block and must agree
exactly (`marts.reconciliation`, comparison `transfers_vs_balanceof`). The calls go out in
JSON-RPC batches. Rows are only rewritten when the block, its hash or the balance changed, so a
re-run changes nothing.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from datetime import date

import duckdb

from ingestion.config import Network, Wallet
from ingestion.onchain.logs import address_topic
from ingestion.onchain.rpc import RpcClient, RpcError

log = logging.getLogger(__name__)

BALANCE_OF = "0x70a08231"  # balanceOf(address)
MAX_BALANCE = 10**38 - 1  # DECIMAL(38,0)


def period_types(day: date) -> list[str]:
    """The periods that end with this local day: always `day`, `month` on its last day."""
    last = calendar.monthrange(day.year, day.month)[1]
    return ["day", "month"] if day.day == last else ["day"]


def check_blocks(day_end_blocks: dict[date, tuple[int, bool]], final_block: int) -> dict[date, int]:
    """Each day's check block: its last block, but never past the network's final block (the
    block every day-end read of balances, freezes and wallet control is made at)."""
    return {day: max(0, min(end, final_block)) for day, (end, _) in day_end_blocks.items()}


def is_final_day(day_end_blocks: dict[date, tuple[int, bool]], day: date, final_block: int) -> bool:
    """The day is complete and its last block is final: its day-end reads cannot change."""
    end_block, complete = day_end_blocks[day]
    return complete and end_block <= final_block


def snapshot_balances(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    wallets: Sequence[Wallet],
    day_end_blocks: dict[date, tuple[int, bool]],
    final_block: int,
    load_id: str,
) -> int:
    """Read and store balanceOf at every period end of the given days; return rows written."""
    if not wallets or not day_end_blocks:
        return 0
    check_block = check_blocks(day_end_blocks, final_block)
    headers = client.block_headers(sorted(set(check_block.values())))
    existing = {
        (row[0], row[1], row[2]): row[3:]
        for row in con.execute(
            "select block_date, period_type, address, block_number, block_hash, balance_raw, "
            "is_final from raw.onchain_balances where chain_id = ? and token_address = ? "
            "and block_date in (select unnest(?))",
            [network.chain_id, network.token.address, list(check_block)],
        ).fetchall()
    }
    wanted: list[tuple[date, str, str, int]] = []
    for day, block in sorted(check_block.items()):
        for period in period_types(day):
            for wallet in wallets:
                old = existing.get((day, period, wallet.address))
                # a final row whose block still has the same hash needs no new call
                if old and old[3] and old[0] == block and old[1] == headers[block].hash:
                    continue
                wanted.append((day, period, wallet.address, block))
    # one eth_call per (wallet, block), shared by the day and month rows
    calls = sorted({(address, block) for _, _, address, block in wanted})
    balances: dict[tuple[str, int], int] = {}
    step = max(network.rpc_batch_size, 50)
    for i in range(0, len(calls), step):
        part = calls[i : i + step]
        results = client.batch(
            [
                (
                    "eth_call",
                    [
                        {"to": network.token.address, "data": BALANCE_OF + address_topic(a)[2:]},
                        hex(block),
                    ],
                )
                for a, block in part
            ]
        )
        for (address, block), result in zip(part, results, strict=True):
            if result == "0x":  # no code at that block: the token was not deployed yet
                log.warning(
                    "%s: token %s has no code at block %d; balance 0 before deployment",
                    network.name,
                    network.token.address,
                    block,
                )
                result = "0x" + "0" * 64
            if not isinstance(result, str) or not result.startswith("0x") or len(result) != 66:
                raise RpcError(
                    f"rpc[{network.name}] eth_call balanceOf({address}) at block {block}: "
                    f"expected one 32-byte word, got {str(result)[:80]!r}"
                )
            value = int(result, 16)
            if value > MAX_BALANCE:
                raise RpcError(
                    f"rpc[{network.name}] balanceOf({address}) at block {block} = {value} does "
                    "not fit DECIMAL(38,0)"
                )
            balances[(address, block)] = value
    rows = []
    for day, period, address, block in wanted:
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
                period,
                str(balances[(address, block)]),
                is_final_day(day_end_blocks, day, final_block),
                f"rpc:{network.name}:eth_call balanceOf@{block}",
                load_id,
            )
        )
    changed = [
        r for r in rows if existing.get((r[7], r[8], r[3])) != (r[4], r[5], int(r[9]), r[10])
    ]
    if not changed:
        return 0
    con.execute("begin transaction")
    try:
        con.executemany(
            "delete from raw.onchain_balances where chain_id = ? and token_address = ? "
            "and address = ? and block_date = ? and period_type = ?",
            [(r[0], r[2], r[3], r[7], r[8]) for r in changed],
        )
        con.executemany(
            "insert into raw.onchain_balances values "
            "(?, ?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?::decimal(38, 0), ?, ?, ?)",
            changed,
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s: %d balanceOf row(s) written", network.name, len(changed))
    return len(changed)
