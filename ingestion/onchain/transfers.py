"""Fetch, decode and load one network's token transfers for a set of local days.

Idempotent by construction: for the block range of the days being synced, the rows in
`raw.onchain_transfers` are made equal to what the node says now. Rows that did not change keep
their original load id; rows of orphaned blocks (a reorg) are deleted; pending rows become final
once they pass the confirmation depth. Running the same days twice changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from ingestion.config import Network, Wallet
from ingestion.onchain.blocks import BlockTimeIndex, DayBlocks
from ingestion.onchain.decode import TRANSFER_TOPIC0, decode_transfer_logs, normalise_rpc_logs
from ingestion.onchain.rpc import RpcClient, RpcError, RpcRangeTooLargeError

log = logging.getLogger(__name__)

SOURCE = "onchain"
WALLET_TOPIC_CHUNK = 100  # providers cap OR-lists of topics; stay well below


@dataclass
class SyncReport:
    network: str
    days: list[date]
    first_block: int | None
    last_block: int | None
    head_block: int
    final_block: int
    logs_fetched: int = 0
    transfers_loaded: int = 0
    transfers_inserted: int = 0
    transfers_deleted: int = 0
    transfers_finalised: int = 0
    skipped: int = 0
    quarantined: int = 0
    empty_days: list[date] = field(default_factory=list)

    def summary(self) -> str:
        span = (
            f"blocks {self.first_block}-{self.last_block}"
            if self.first_block is not None
            else "no blocks"
        )
        return (
            f"{self.network}: {len(self.days)} day(s), {span}, {self.transfers_loaded} transfers "
            f"(+{self.transfers_inserted} new, -{self.transfers_deleted} gone, "
            f"{self.transfers_finalised} now final), {self.skipped} look-alikes skipped, "
            f"{self.quarantined} quarantined"
        )


def _topic_for(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")


def fetch_transfer_logs(
    client: RpcClient,
    token_address: str,
    wallet_addresses: Sequence[str],
    from_block: int,
    to_block: int,
    max_block_range: int,
) -> list[dict]:
    """Transfer logs of the token with a registry wallet as sender or receiver.

    Two topic filters (wallet as `from`, wallet as `to`), wallets in chunks, block range in
    windows of `max_block_range`, halved whenever the node says the range is too large.
    Logs found by both filters (wallet to wallet) are kept once.
    """
    topics = [_topic_for(a) for a in sorted(set(wallet_addresses))]
    seen: dict[tuple[str, str], dict] = {}
    for i in range(0, len(topics), WALLET_TOPIC_CHUNK):
        chunk = topics[i : i + WALLET_TOPIC_CHUNK]
        for topic_filter in ([TRANSFER_TOPIC0, chunk], [TRANSFER_TOPIC0, None, chunk]):
            for entry in _get_logs_adaptive(
                client, token_address, topic_filter, from_block, to_block, max_block_range
            ):
                seen[(entry["transactionHash"].lower(), entry["logIndex"])] = entry
    return list(seen.values())


def _get_logs_adaptive(
    client: RpcClient,
    address: str,
    topics: list,
    from_block: int,
    to_block: int,
    max_block_range: int,
) -> list[dict]:
    out: list[dict] = []
    pending = [
        (start, min(start + max_block_range - 1, to_block))
        for start in range(from_block, to_block + 1, max_block_range)
    ]
    while pending:
        lo, hi = pending.pop(0)
        try:
            out.extend(
                client.get_logs(
                    {"address": address, "topics": topics, "fromBlock": hex(lo), "toBlock": hex(hi)}
                )
            )
        except RpcRangeTooLargeError:
            if lo == hi:
                raise
            mid = (lo + hi) // 2
            log.info("%s: splitting log query %d-%d", client.network, lo, hi)
            pending[:0] = [(lo, mid), (mid + 1, hi)]
    return out


def sync_transfers(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    wallets: Sequence[Wallet],
    days: Sequence[date],
    tz,
    load_id: str | None = None,
) -> SyncReport:
    """Make raw.onchain_transfers and raw.onchain_day_blocks right for these local days."""
    load_id = load_id or uuid.uuid4().hex
    days = sorted(set(days))
    chain_id = client.chain_id()
    if chain_id != network.chain_id:
        raise RpcError(
            f"rpc[{network.name}]: node reports chain id {chain_id}, configuration says "
            f"{network.chain_id}; is {network.rpc_url_env} pointing at the right network?"
        )
    head = client.block_number()
    final_block = head - network.confirmations
    index = BlockTimeIndex(client, network.start_block, head)
    day_blocks = [index.day_blocks(day, tz) for day in days]
    filled = [d for d in day_blocks if not d.is_empty]
    report = SyncReport(
        network=network.name,
        days=list(days),
        first_block=min((d.first_block for d in filled), default=None),
        last_block=max((d.last_block for d in filled), default=None),
        head_block=head,
        final_block=final_block,
        empty_days=[d.day for d in day_blocks if d.is_empty],
    )
    started = datetime.now(UTC)
    source_ref = f"rpc:{network.name}:{report.first_block}-{report.last_block}"
    logs: list[dict] = []
    if filled:
        logs = fetch_transfer_logs(
            client,
            network.token.address,
            [w.address for w in wallets],
            report.first_block,
            report.last_block,
            network.max_block_range,
        )
    report.logs_fetched = len(logs)
    counts = decode_transfer_logs(con, normalise_rpc_logs(logs), network.token.decimals)
    report.skipped, report.quarantined = counts["skip"], counts["bad"]

    # block headers of every block with a transfer, plus each day's last block
    blocks_needed = {
        n
        for (n,) in con.execute(
            "select distinct block_number from decoded_logs where outcome = 'ok'"
        ).fetchall()
    } | {d.last_block for d in filled}
    headers = client.block_headers(sorted(blocks_needed))
    index.remember(headers)
    mismatched = con.execute(
        "select block_number, block_hash from decoded_logs where outcome = 'ok'"
    ).fetchall()
    for number, block_hash in mismatched:
        if headers[number].hash != block_hash:
            raise RpcError(
                f"rpc[{network.name}]: block {number} changed while reading "
                f"(log says {block_hash}, header says {headers[number].hash}); a reorg is "
                "under way, run again"
            )

    con.execute("begin transaction")
    try:
        _write_transfers(con, network, report, headers, source_ref, load_id)
        _write_quarantine(con, network, load_id)
        _write_day_blocks(con, network, day_blocks, headers, final_block, head, index)
        con.execute(
            "insert into audit.load_log (load_id, source, source_ref, started_at, finished_at, "
            "status, rows_in, rows_loaded, rows_quarantined, rows_skipped, message) "
            "values (?, ?, ?, ?, ?, 'success', ?, ?, ?, ?, ?)",
            [
                load_id,
                SOURCE,
                source_ref,
                started,
                datetime.now(UTC),
                report.logs_fetched,
                counts["ok"],
                report.quarantined,
                report.skipped,
                report.summary(),
            ],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s", report.summary())
    return report


def _write_transfers(con, network: Network, report: SyncReport, headers, source_ref, load_id):
    con.execute(
        "create or replace temp table block_times (block_number bigint, block_time timestamptz)"
    )
    con.executemany(
        "insert into block_times values (?, to_timestamp(?))",
        [(h.number, h.timestamp) for h in headers.values()],
    )
    con.execute(
        """
        create or replace temp table incoming as
        select
            ?::bigint as chain_id, ?::varchar as network, address as token_address,
            d.block_number, block_hash, bt.block_time, tx_hash, tx_index::integer as tx_index,
            log_index::integer as log_index, from_address, to_address, amount_raw,
            d.block_number <= ?::bigint as is_final,
            ?::varchar as source_ref, ?::varchar as load_id
        from decoded_logs d join block_times bt using (block_number)
        where outcome = 'ok'
        """,
        [network.chain_id, network.name, report.final_block, source_ref, load_id],
    )
    report.transfers_loaded = con.execute("select count(*) from incoming").fetchone()[0]
    if report.first_block is None:
        return
    window = [network.chain_id, network.token.address, report.first_block, report.last_block]
    in_window = "chain_id = ? and token_address = ? and block_number between ? and ?"
    # rows that no longer exist as they were (reorged away, or changed) go
    report.transfers_deleted = con.execute(
        f"""
        delete from raw.onchain_transfers t
        where {in_window}
          and not exists (
            select 1 from incoming i
            where i.chain_id = t.chain_id and i.tx_hash = t.tx_hash
              and i.log_index = t.log_index and i.block_hash = t.block_hash
              and i.amount_raw = t.amount_raw and i.from_address = t.from_address
              and i.to_address = t.to_address)
        """,
        window,
    ).fetchone()[0]
    report.transfers_finalised = con.execute(
        f"""
        update raw.onchain_transfers t set is_final = true
        where {in_window} and not t.is_final
          and exists (select 1 from incoming i where i.chain_id = t.chain_id
                      and i.tx_hash = t.tx_hash and i.log_index = t.log_index and i.is_final)
        """,
        window,
    ).fetchone()[0]
    report.transfers_inserted = con.execute(
        """
        insert into raw.onchain_transfers
        select i.* from incoming i
        where not exists (select 1 from raw.onchain_transfers t
                          where t.chain_id = i.chain_id and t.tx_hash = i.tx_hash
                            and t.log_index = i.log_index)
        """
    ).fetchone()[0]


def _write_quarantine(con, network: Network, load_id: str) -> None:
    con.execute(
        """
        insert or ignore into audit.quarantine
        select
            'onchain', 'rpc:' || ?, 'block ' || block_number || ' tx ' || tx_hash
                || ' log ' || log_index,
            split_part(outcome, ':', 2),
            case split_part(outcome, ':', 2)
                when 'data' then data when 'topic1' then topic1 when 'topic2' then topic2
                else concat_ws(',', topic0, topic1, topic2, topic3) end,
            split_part(outcome, ':', 3) || ' (token ' || address || ')',
            ?, now()
        from decoded_logs where outcome like 'bad:%'
        """,
        [network.name, load_id],
    )


def _write_day_blocks(
    con,
    network: Network,
    day_blocks: Sequence[DayBlocks],
    headers,
    final_block,
    head,
    index: BlockTimeIndex,
) -> None:
    head_ts = index.header(head).timestamp if head >= network.start_block else 0
    rows = []
    for d in day_blocks:
        last = headers.get(d.last_block) if d.last_block is not None else None
        complete = head_ts >= d.end_ts
        rows.append(
            (
                network.name,
                network.chain_id,
                d.day,
                d.first_block,
                d.last_block,
                last.hash if last else None,
                last.timestamp if last else None,
                final_block,
                complete,
                complete and (d.last_block is None or d.last_block <= final_block),
            )
        )
    con.execute(
        "create or replace temp table incoming_days as select * from raw.onchain_day_blocks limit 0"
    )
    con.executemany(
        "insert into incoming_days values (?, ?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?)", rows
    )
    # only touch rows that changed, so a re-run leaves the table as it was
    con.execute(
        """
        delete from raw.onchain_day_blocks
        where (network, block_date) in (select network, block_date from incoming_days)
          and (network, block_date) not in (
            select network, block_date from (
                select * from raw.onchain_day_blocks intersect select * from incoming_days))
        """
    )
    con.execute(
        """
        insert into raw.onchain_day_blocks
        select * from incoming_days i where not exists (
            select 1 from raw.onchain_day_blocks r
            where r.network = i.network and r.block_date = i.block_date)
        """
    )
