"""Fetch, decode and load one network's token transfers for a set of local days.

Idempotent by construction: for the block range of the days being synced, the rows in
`raw.onchain_transfers` are made equal to what the node says now. Rows that did not change keep
their original load id; rows of orphaned blocks (a reorg) are deleted; pending rows become final
once they pass the network's finality rule. Running the same days twice changes nothing.

Every run also re-reads the network's *unfinalised tail*: every day in `raw.onchain_day_blocks`
that is not yet final is synced again, whatever days were asked for, and pending rows outside
the synced ranges whose block no longer exists (or has another hash) are deleted. Days that are
complete and final keep their stored block range (`raw.onchain_day_blocks`) once the hash of
their last block is re-verified, so the binary search on block time runs only for new days.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from ingestion.config import Network, Wallet
from ingestion.onchain.blocks import BlockTimeIndex, DayBlocks, day_bounds_utc
from ingestion.onchain.decode import decode_transfer_logs, normalise_rpc_logs
from ingestion.onchain.logs import FetchStats, fetch_transfer_logs
from ingestion.onchain.rpc import BlockHeader, RpcClient, RpcError
from ingestion.warehouse import record_load

log = logging.getLogger(__name__)

SOURCE = "onchain"


@dataclass
class SyncReport:
    network: str
    days: list[date]
    first_block: int | None
    last_block: int | None
    head_block: int
    final_block: int
    segments: list[tuple[int, int]] = field(default_factory=list)
    tail_days: list[date] = field(default_factory=list)
    cached_days: int = 0
    logs_fetched: int = 0
    transfers_loaded: int = 0
    transfers_inserted: int = 0
    transfers_deleted: int = 0
    transfers_finalised: int = 0
    orphans_deleted: int = 0
    skipped: int = 0
    quarantined: int = 0
    empty_days: list[date] = field(default_factory=list)
    fetch: FetchStats = field(default_factory=FetchStats)
    # every synced day -> (last block at or before the day's end, the day is complete)
    day_end_blocks: dict[date, tuple[int, bool]] = field(default_factory=dict)

    def summary(self) -> str:
        span = (
            f"blocks {self.first_block}-{self.last_block}"
            if self.first_block is not None
            else "no blocks"
        )
        tail = f", {len(self.tail_days)} unfinalised day(s) re-read" if self.tail_days else ""
        return (
            f"{self.network}: {len(self.days)} day(s){tail}, {span}, "
            f"{self.transfers_loaded} transfers "
            f"(+{self.transfers_inserted} new, -{self.transfers_deleted} gone, "
            f"{self.transfers_finalised} now final), {self.skipped} look-alikes skipped, "
            f"{self.quarantined} quarantined"
        )


def final_block_number(client: RpcClient, network: Network, head: int) -> int:
    """The highest final block by the network's rule (depth below head, or a block tag)."""
    if network.finality == "confirmations":
        return head - network.confirmations
    return min(head, client.tagged_block_number(network.finality))


def unfinalised_days(con: duckdb.DuckDBPyConnection, network: Network) -> list[date]:
    """Days of the network already synced but not yet final (the tail every run re-reads)."""
    rows = con.execute(
        "select block_date from raw.onchain_day_blocks where network = ? and not is_final "
        "order by 1",
        [network.name],
    ).fetchall()
    return [r[0] for r in rows]


def map_days(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    index: BlockTimeIndex,
    network: Network,
    days: Sequence[date],
    tz,
) -> tuple[list[DayBlocks], int]:
    """Block range of each local day; complete, final days come from the warehouse after one
    batched check that their last block still has the stored hash. Returns (days, cached)."""
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "select block_date, first_block, last_block, last_block_hash "
            "from raw.onchain_day_blocks where network = ? and chain_id = ? "
            "and is_day_complete and is_final and block_date in (select unnest(?))",
            [network.name, network.chain_id, list(days)],
        ).fetchall()
    }
    to_check = [v[1] for v in stored.values() if v[1] is not None and v[1] <= index.head]
    headers = client.block_headers(to_check) if to_check else {}
    index.remember(headers)
    out: list[DayBlocks] = []
    cached = 0
    for day in days:
        start, end = day_bounds_utc(day, tz)
        start_ts, end_ts = int(start.timestamp()), int(end.timestamp())
        row = stored.get(day)
        if row is not None:
            first, last, last_hash = row
            if first is None:
                out.append(DayBlocks(day, None, None, start_ts, end_ts))
                cached += 1
                continue
            header = headers.get(last)
            if header is not None and header.hash == last_hash:
                index.seed(start_ts, first)
                index.seed(end_ts, last + 1)
                out.append(DayBlocks(day, first, last, start_ts, end_ts))
                cached += 1
                continue
            log.warning(
                "%s: stored block range of final day %s no longer matches the chain "
                "(last block %s); mapping it again",
                network.name,
                day,
                last,
            )
        out.append(index.day_blocks(day, tz))
    return out, cached


def block_segments(day_blocks: Sequence[DayBlocks]) -> list[tuple[int, int]]:
    """Inclusive block ranges covering runs of consecutive days (only those with blocks)."""
    segments: list[tuple[int, int]] = []
    run: list[DayBlocks] = []

    def close() -> None:
        filled = [d for d in run if not d.is_empty]
        if filled:
            segments.append((min(d.first_block for d in filled), max(d.last_block for d in filled)))

    for d in sorted(day_blocks, key=lambda d: d.day):
        if run and d.day != run[-1].day + timedelta(days=1):
            close()
            run = []
        run.append(d)
    close()
    return segments


def merge_segments(segments: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted block ranges with overlapping or adjacent ones joined."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(segments):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def history_segment(
    index: BlockTimeIndex, network: Network, first_day: DayBlocks
) -> tuple[int, int] | None:
    """The blocks from the network's start_block up to the first shown day, if any.

    Balances at the end of the first shown day need every earlier transfer, so that day's
    partition also loads the history before it (from `start_block`, where the configuration
    says the token's activity of interest begins).
    """
    first = (
        first_day.first_block
        if not first_day.is_empty
        else index.first_block_at_or_after(first_day.start_ts)
    )
    before = first - 1
    return (network.start_block, before) if before >= network.start_block else None


def sync_transfers(
    con: duckdb.DuckDBPyConnection,
    client: RpcClient,
    network: Network,
    wallets: Sequence[Wallet],
    days: Sequence[date],
    tz,
    load_id: str | None = None,
    *,
    reread_tail: bool = True,
    history_from: date | None = None,
) -> SyncReport:
    """Make raw.onchain_transfers and raw.onchain_day_blocks right for these local days (and
    the network's unfinalised tail). When `history_from` (the first shown day) is among the
    days, every block from the network's start_block up to that day is loaded too."""
    load_id = load_id or uuid.uuid4().hex
    requested = sorted(set(days))
    chain_id = client.chain_id()
    if chain_id != network.chain_id:
        raise RpcError(
            f"rpc[{network.name}]: node reports chain id {chain_id}, configuration says "
            f"{network.chain_id}; is {network.rpc_url_env} pointing at the right network?"
        )
    head = client.block_number()
    final_block = final_block_number(client, network, head)
    tail = [d for d in unfinalised_days(con, network) if d not in requested] if reread_tail else []
    all_days = sorted(set(requested) | set(tail))
    index = BlockTimeIndex(client, network.start_block, head)
    day_blocks, cached = map_days(con, client, index, network, all_days, tz)
    filled = [d for d in day_blocks if not d.is_empty]
    segments = block_segments(day_blocks)
    if history_from is not None and history_from in requested:
        first_day = next(d for d in day_blocks if d.day == history_from)
        history = history_segment(index, network, first_day)
        if history is not None:
            segments = merge_segments([history, *segments])
    report = SyncReport(
        network=network.name,
        days=requested,
        first_block=min((lo for lo, _ in segments), default=None),
        last_block=max((d.last_block for d in filled), default=None),
        head_block=head,
        final_block=final_block,
        segments=segments,
        tail_days=tail,
        cached_days=cached,
        empty_days=[d.day for d in day_blocks if d.is_empty],
    )
    started = datetime.now(UTC)
    source_ref = f"rpc:{network.name}:" + ",".join(f"{a}-{b}" for a, b in segments)
    logs: list[dict] = []
    for lo, hi in segments:
        logs += fetch_transfer_logs(
            client,
            network.token.address,
            [w.address for w in wallets],
            lo,
            hi,
            network.max_block_range,
            reads=network.log_reads,
            batch_size=network.rpc_batch_size,
            stats=report.fetch,
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
    for number, block_hash in con.execute(
        "select block_number, block_hash from decoded_logs where outcome = 'ok'"
    ).fetchall():
        if headers[number].hash != block_hash:
            raise RpcError(
                f"rpc[{network.name}]: block {number} changed while reading "
                f"(log says {block_hash}, header says {headers[number].hash}); a reorg is "
                "under way, run again"
            )
    orphans = _orphaned_pending_rows(con, client, network, segments, head)
    head_ts = index.header(head).timestamp
    for d in day_blocks:
        end_block = (
            d.last_block
            if d.last_block is not None
            else index.first_block_at_or_after(d.end_ts) - 1
        )
        report.day_end_blocks[d.day] = (end_block, head_ts >= d.end_ts)

    con.execute("begin transaction")
    try:
        report.orphans_deleted = _delete_rows(con, network, orphans, load_id)
        _write_transfers(con, network, report, headers, source_ref, load_id)
        _write_quarantine(con, network, load_id)
        _write_day_blocks(con, network, day_blocks, headers, final_block, head, index)
        record_load(
            con,
            load_id=load_id,
            source=SOURCE,
            source_ref=source_ref,
            started_at=started,
            rows_in=report.logs_fetched,
            rows_loaded=counts["ok"],
            rows_quarantined=report.quarantined,
            rows_skipped=report.skipped,
            message=report.summary(),
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s", report.summary())
    return report


def _orphaned_pending_rows(
    con, client: RpcClient, network: Network, segments: Sequence[tuple[int, int]], head: int
) -> list[tuple[str, int]]:
    """Pending rows outside the re-read segments whose block is gone or has another hash."""
    rows = con.execute(
        "select tx_hash, log_index, block_number, block_hash from raw.onchain_transfers "
        "where chain_id = ? and token_address = ? and not is_final",
        [network.chain_id, network.token.address],
    ).fetchall()
    outside = [r for r in rows if not any(lo <= r[2] <= hi for lo, hi in segments)]
    if not outside:
        return []
    numbers = sorted({r[2] for r in outside if r[2] <= head})
    headers: dict[int, BlockHeader] = client.block_headers(numbers) if numbers else {}
    gone = [
        (tx, idx)
        for tx, idx, number, block_hash in outside
        if number > head or headers[number].hash != block_hash
    ]
    if gone:
        log.warning(
            "%s: %d pending transfer(s) outside the synced days belong to orphaned blocks; "
            "deleted (sync their days to load the new chain's transfers)",
            network.name,
            len(gone),
        )
    return gone


TRANSFER_COLUMNS = (
    "chain_id, network, token_address, block_number, block_hash, block_time, tx_hash, "
    "tx_index, log_index, from_address, to_address, amount_raw, is_final, source_ref, load_id"
)
# the raw rows a delete removes, logged first (same transaction) for dbt's incremental cuts
LOG_DELETIONS = """
insert into raw.onchain_transfer_deletions (
    chain_id, network, token_address, tx_hash, log_index, block_number, block_time,
    loaded_seq, load_id
)
select
    t.chain_id, t.network, t.token_address, t.tx_hash, t.log_index, t.block_number,
    t.block_time, t.loaded_seq, ?::varchar
from raw.onchain_transfers t
"""


def _delete_rows(con, network: Network, keys: Sequence[tuple[str, int]], load_id: str) -> int:
    deleted = 0
    for tx_hash, log_index in keys:
        where = "where chain_id = ? and tx_hash = ? and log_index = ?"
        con.execute(f"{LOG_DELETIONS} {where}", [load_id, network.chain_id, tx_hash, log_index])
        deleted += con.execute(
            f"delete from raw.onchain_transfers {where}",
            [network.chain_id, tx_hash, log_index],
        ).fetchone()[0]
    return deleted


def _write_transfers(con, network: Network, report: SyncReport, headers, source_ref, load_id):
    con.execute(
        "create or replace temp table block_times (block_number bigint, block_time timestamptz)"
    )
    if headers:  # a resumed range may hold no transfer and no newly filled day
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
    in_window = "chain_id = ? and token_address = ? and block_number between ? and ?"
    for lo, hi in report.segments:
        window = [network.chain_id, network.token.address, lo, hi]
        # rows that no longer exist as they were (reorged away, or changed) go, logged
        gone = f"""
            where {in_window}
              and not exists (
                select 1 from incoming i
                where i.chain_id = t.chain_id and i.tx_hash = t.tx_hash
                  and i.log_index = t.log_index and i.block_hash = t.block_hash
                  and i.amount_raw = t.amount_raw and i.from_address = t.from_address
                  and i.to_address = t.to_address)
            """
        con.execute(f"{LOG_DELETIONS} {gone}", [load_id, *window])
        report.transfers_deleted += con.execute(
            f"delete from raw.onchain_transfers t {gone}", window
        ).fetchone()[0]
        report.transfers_finalised += con.execute(
            f"""
            update raw.onchain_transfers t set is_final = true
            where {in_window} and not t.is_final
              and exists (select 1 from incoming i where i.chain_id = t.chain_id
                          and i.tx_hash = t.tx_hash and i.log_index = t.log_index and i.is_final)
            """,
            window,
        ).fetchone()[0]
    # a log can move to another block of the same tx hash only with a new block hash: gone above
    report.transfers_inserted = con.execute(
        f"""
        insert into raw.onchain_transfers ({TRANSFER_COLUMNS})
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
        if d.last_block is not None and last is None:
            last = index.header(d.last_block)
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
    if not rows:
        return
    con.execute(
        "create or replace temp table incoming_days as select * from raw.onchain_day_blocks limit 0"
    )
    con.executemany(
        "insert into incoming_days values (?, ?, ?, ?, ?, ?, to_timestamp(?), ?, ?, ?)", rows
    )
    # a day already final keeps its row (final_block of the run that finalised it): a re-run
    # that only re-verified it changes nothing
    con.execute(
        """
        delete from incoming_days i where exists (
            select 1 from raw.onchain_day_blocks r
            where r.network = i.network and r.block_date = i.block_date and r.is_final
              and i.is_final and r.first_block is not distinct from i.first_block
              and r.last_block is not distinct from i.last_block
              and r.last_block_hash is not distinct from i.last_block_hash)
        """
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
