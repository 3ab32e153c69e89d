"""Import token-transfer history from the export files users already have (no archive node).

Formats (``FORMATS``):

* ``eth-getlogs-json``: a saved ``eth_getLogs`` answer: a JSON-RPC response object (or several,
  one per line, or a JSON array of them) whose ``result`` is the list of logs, or a bare JSON
  array of log objects. Carries block hash, not block time.
* ``cryo``: ``cryo logs`` output, Parquet (binary columns) or CSV (``0x`` hex, empty cell for a
  missing topic), default columns ``block_number, transaction_index, log_index,
  transaction_hash, address, topic0..topic3, data``. Carries neither block hash nor time.
* ``ethereum-etl``: ``ethereumetl export_token_transfers`` CSV (``token_address, from_address,
  to_address, value, transaction_hash, log_index, block_number``). Already decoded; no block
  hash, block time or transaction index, and ERC-721 transfers (token id in ``value``) cannot be
  told from ERC-20 ones: only the configured token's contract is kept, which is an ERC-20.

Every format is brought to the normalised log shape of ``decode.py`` and decoded by the same
SQL as RPC data, so the same log gives the same row whatever file it came from, with the same
identity (chain_id, tx_hash, log_index): an imported range and a fetched range overlap safely
(rows already in ``raw.onchain_transfers`` are kept as they are).

What the files lack is never invented. Block hash and time (and, for ethereum-etl, the
transaction index) come from a *blocks* file (ethereum-etl ``export_blocks_and_transactions``
blocks CSV / JSON lines: ``number, hash, timestamp``), a *transactions* file (``hash,
transaction_index``) or the node (``client``). A transfer whose block is still unknown, or
whose block hash disagrees with the blocks file, is quarantined with the reason, not loaded.
Imported rows are final (history) unless a client says their block is not yet final.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.config import Network
from ingestion.onchain.decode import TRANSFER_TOPIC0, decode_transfer_logs
from ingestion.onchain.rpc import RpcClient
from ingestion.warehouse import record_load

log = logging.getLogger(__name__)

FORMATS = ("ethereum-etl", "cryo", "eth-getlogs-json")
SOURCE = "onchain_import"
UNKNOWN_HASH = "unknown"  # placeholder while decoding; never loaded

LOG_STRUCT = (
    "STRUCT(address VARCHAR, topics VARCHAR[], data VARCHAR, blockNumber VARCHAR, "
    "blockHash VARCHAR, transactionHash VARCHAR, transactionIndex VARCHAR, logIndex VARCHAR, "
    "removed BOOLEAN)"
)
MAX_JSON_OBJECT = 1 << 30

# hex quantity ('0x1a') or decimal text -> integer (DuckDB casts both forms)
_QTY = "cast({c} as ubigint)"


class TransferImportError(ValueError):
    """The file cannot be imported; the message names the file and what is wrong."""


@dataclass
class ImportReport:
    path: str
    format: str
    sha256: str
    rows_in: int = 0
    decoded: int = 0
    loaded: int = 0
    already_present: int = 0
    skipped: int = 0
    quarantined: int = 0
    other_tokens: int = 0
    not_registry: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.path} ({self.format}): {self.rows_in} rows, {self.loaded} transfers loaded, "
            f"{self.already_present} already present, {self.other_tokens} of other contracts, "
            f"{self.not_registry} not touching a registry wallet, {self.skipped} look-alikes "
            f"skipped, {self.quarantined} quarantined"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


# ---- readers: each returns a relation in the normalised log shape ----------------------------
NORMALISED_COLUMNS = (
    "address, topic0, topic1, topic2, topic3, data, block_number, block_hash, tx_hash, "
    "tx_index, log_index, removed"
)


def _rpc_logs_sql(logs_relation: str) -> str:
    """Normalise a relation with one RPC log object per row (column `log`)."""
    return f"""
        select
            log.address as address,
            log.topics[1] as topic0,
            log.topics[2] as topic1,
            log.topics[3] as topic2,
            case when len(log.topics) > 4 then array_to_string(log.topics[4:], ',')
                 else log.topics[4] end as topic3,
            log.data as data,
            cast({_QTY.format(c="log.blockNumber")} as bigint) as block_number,
            log.blockHash as block_hash,
            log.transactionHash as tx_hash,
            cast({_QTY.format(c="log.transactionIndex")} as bigint) as tx_index,
            cast({_QTY.format(c="log.logIndex")} as bigint) as log_index,
            coalesce(log.removed, false) as removed
        from {logs_relation}
    """


def _result_arrays(paths: Sequence[Path], workdir: Path) -> list[Path] | None:
    """Each file's `result` array alone, or None when a file is not one plain response.

    DuckDB parses a top-level JSON array of objects record by record (~450k logs/s here) but a
    single 6 MB response object ~30x slower, so a saved response `{"jsonrpc": .., "id": ..,
    "result": [...]}` is cut down to its array by a byte scan (`result` must be the last key,
    as nodes write it); anything else takes the general, slower path.
    """
    out: list[Path] = []
    for i, path in enumerate(paths):
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
            fh.seek(max(0, size - 256))
            tail_start = fh.tell()
            tail = fh.read()
        lead = head.lstrip()
        if lead.startswith(b"["):
            if b'"jsonrpc"' in lead[:400]:
                return None  # a batch of responses
            out.append(path)  # already a bare list of logs
            continue
        key = head.find(b'"result"')
        if key < 0:
            if b'"error"' in head:
                raise TransferImportError(f"{path}: the saved answer is a JSON-RPC error")
            return None
        start, close = head.find(b"[", key), tail.rfind(b"]")
        if (
            not lead.startswith(b"{")
            or start < 0
            or close < 0
            or head[key + 8 : start].strip() != b":"
            or tail[close + 1 :].strip() != b"}"
        ):
            return None
        end = tail_start + close + 1  # one past the closing bracket
        if _has_second_response(path, start):
            return None  # responses one per line
        target = workdir / f"{i:06d}.json"
        _copy_range(path, target, start, end - start)
        out.append(target)
    return out


def _has_second_response(path: Path, after: int) -> bool:
    """Whether another JSON-RPC response starts after `after` (a log never holds "jsonrpc")."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm.find(b'"jsonrpc"', after) >= 0


def _copy_range(source: Path, target: Path, offset: int, count: int) -> None:
    """Copy `count` bytes of `source` from `offset` into a new file, in the kernel if it can."""
    with source.open("rb") as src, target.open("wb") as dst:
        try:
            done = 0
            while done < count:
                n = os.copy_file_range(src.fileno(), dst.fileno(), count - done, offset + done)
                if n == 0:
                    break
                done += n
            if done == count:
                return
        except OSError:
            pass
        src.seek(offset)
        dst.seek(0)
        dst.truncate()
        dst.write(src.read(count))


@contextmanager
def getlogs_json_sql(paths: Sequence[Path]) -> Iterator[str]:
    """SQL of the normalised logs in saved eth_getLogs answers, valid inside the block.

    DuckDB's JSON reader parses the files (no Python loop over logs): one response object per
    file (fast path), responses one per line, a JSON array of responses (a batch), or a bare
    JSON array of logs.
    """
    size = f"maximum_object_size={MAX_JSON_OBJECT}"
    fields = ", ".join(f"'{k}': '{v}'" for k, v in _LOG_FIELDS.items())
    names = ", ".join(_LOG_FIELDS)
    with tempfile.TemporaryDirectory(prefix="usd1inv-getlogs-") as tmp:
        arrays = _result_arrays(paths, Path(tmp))
        if arrays is not None:
            files = "[" + ", ".join(f"'{_sql_path(p)}'" for p in arrays) + "]"
            source = (
                f"(select struct_pack({names}) as log from read_json({files}, format='array', "
                f"columns={{{fields}}}))"
            )
        else:
            files = "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"
            fmt = "array" if paths[0].read_bytes()[:64].lstrip().startswith(b"[") else "auto"
            source = (
                f"(select unnest(result) as log from read_json({files}, format='{fmt}', "
                f"columns={{'result': '{LOG_STRUCT}[]'}}, {size}))"
            )
        yield _rpc_logs_sql(source)


def read_getlogs_json(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> str:
    """SQL of the normalised logs in saved eth_getLogs answers (materialised in a temp table)."""
    with getlogs_json_sql(paths) as sql:
        con.execute(f"create or replace temp table getlogs_normalised as {sql}")
    return "select * from getlogs_normalised"


def decode_getlogs_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    decimals: int,
    into: str = "decoded_logs",
) -> dict[str, int]:
    """Read saved eth_getLogs answers and decode their Transfer logs into the temp table
    `into` in one DuckDB pass (see decode.decode_transfer_logs); counts per outcome."""
    with getlogs_json_sql([Path(p) for p in paths]) as sql:
        return decode_transfer_logs(con, sql, decimals, into=into)


_LOG_FIELDS = {
    "address": "VARCHAR",
    "topics": "VARCHAR[]",
    "data": "VARCHAR",
    "blockNumber": "VARCHAR",
    "blockHash": "VARCHAR",
    "transactionHash": "VARCHAR",
    "transactionIndex": "VARCHAR",
    "logIndex": "VARCHAR",
    "removed": "BOOLEAN",
}


def read_cryo(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> str:
    """SQL of the normalised logs in cryo `logs` Parquet or CSV files."""
    files = "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"
    if all(p.suffix.lower() == ".parquet" for p in paths):
        hexed = "case when {c} is null then null else '0x' || lower(hex({c})) end"
        source = f"read_parquet({files})"
    elif all(p.suffix.lower() == ".csv" for p in paths):
        hexed = "nullif(lower(trim({c})), '')"
        source = f"read_csv({files}, header=true, all_varchar=true)"
    else:
        raise TransferImportError("cryo: pass only .parquet or only .csv files in one import")
    cols = {c: hexed.format(c=c) for c in ("transaction_hash", "address", "topic0", "topic1",
                                           "topic2", "topic3", "data")}  # fmt: skip
    return f"""
        select
            {cols["address"]} as address,
            {cols["topic0"]} as topic0,
            {cols["topic1"]} as topic1,
            {cols["topic2"]} as topic2,
            {cols["topic3"]} as topic3,
            coalesce({cols["data"]}, '0x') as data,
            cast(block_number as bigint) as block_number,
            cast(null as varchar) as block_hash,
            {cols["transaction_hash"]} as tx_hash,
            cast(transaction_index as bigint) as tx_index,
            cast(log_index as bigint) as log_index,
            false as removed
        from {source}
    """


def read_ethereum_etl(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> str:
    """SQL of ethereum-etl token_transfers rows re-encoded as normalised Transfer logs.

    `value` (decimal text) becomes the 32-byte data word; a value of 2^128 or more cannot be
    held exactly by the warehouse anyway and is encoded so that the decoder quarantines it.
    """
    files = "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"
    pad = "'0x' || repeat('0', 24) || substr(lower(trim({c})), 3)"
    return f"""
        with src as (
            select *, try_cast(trim(value) as uhugeint) as v
            from read_csv({files}, header=true, all_varchar=true)
        )
        select
            lower(trim(token_address)) as address,
            '{TRANSFER_TOPIC0}' as topic0,
            {pad.format(c="from_address")} as topic1,
            {pad.format(c="to_address")} as topic2,
            cast(null as varchar) as topic3,
            case
                when v is not null then '0x' || repeat('0', 32) || lpad(lower(hex(v)), 32, '0')
                when regexp_full_match(trim(value), '[0-9]+') then '0x' || repeat('f', 64)
                else trim(value)
            end as data,
            cast(block_number as bigint) as block_number,
            cast(null as varchar) as block_hash,
            lower(trim(transaction_hash)) as tx_hash,
            cast(null as bigint) as tx_index,
            cast(log_index as bigint) as log_index,
            false as removed
        from src
    """


READERS = {
    "eth-getlogs-json": read_getlogs_json,
    "cryo": read_cryo,
    "ethereum-etl": read_ethereum_etl,
}


# ---- block and transaction facts -------------------------------------------------------------
def read_blocks_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict[int, tuple[str, int]]:
    """block number -> (hash, unix time) from an ethereum-etl blocks CSV or JSON-lines file."""
    reader = "read_csv" if path.suffix.lower() == ".csv" else "read_json"
    rows = con.execute(
        f"select cast(number as bigint), lower(hash), cast(timestamp as bigint) "
        f"from {reader}('{_sql_path(path)}')"
    ).fetchall()
    return {n: (h, t) for n, h, t in rows}


def read_transactions_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, int]:
    """tx hash -> transaction index from an ethereum-etl transactions CSV or JSON-lines file."""
    reader = "read_csv" if path.suffix.lower() == ".csv" else "read_json"
    rows = con.execute(
        f"select lower(hash), cast(transaction_index as bigint) from {reader}('{_sql_path(path)}')"
    ).fetchall()
    return dict(rows)


def _facts_from_node(
    client: RpcClient, numbers: Sequence[int], want_tx_index: bool
) -> tuple[dict[int, tuple[str, int]], dict[str, int]]:
    blocks: dict[int, tuple[str, int]] = {}
    tx_index: dict[str, int] = {}
    wanted = sorted(set(numbers))
    for i in range(0, len(wanted), 100):
        part = wanted[i : i + 100]
        results = client.batch([("eth_getBlockByNumber", [hex(n), want_tx_index]) for n in part])
        for n, block in zip(part, results, strict=True):
            if block is None:
                continue
            blocks[n] = (block["hash"].lower(), int(block["timestamp"], 16))
            if want_tx_index:
                for k, tx in enumerate(block.get("transactions") or []):
                    tx_index[(tx["hash"] if isinstance(tx, dict) else tx).lower()] = k
    return blocks, tx_index


# ---- the import -----------------------------------------------------------------------------
def import_transfers(
    con: duckdb.DuckDBPyConnection,
    network: Network,
    fmt: str,
    paths: Sequence[str | Path],
    *,
    wallet_addresses: Sequence[str] | None,
    blocks_file: str | Path | None = None,
    transactions_file: str | Path | None = None,
    client: RpcClient | None = None,
    final_block: int | None = None,
    load_id: str | None = None,
) -> list[ImportReport]:
    """Import the files (one report each) into raw.onchain_transfers for `network`'s token.

    `wallet_addresses`: keep only transfers from or to these (the registry wallets, as RPC
    ingestion does); None keeps every transfer of the token.
    """
    if fmt not in READERS:
        raise TransferImportError(f"unknown format {fmt!r}; expected one of {list(FORMATS)}")
    load_id = load_id or uuid.uuid4().hex
    blocks: dict[int, tuple[str, int]] = {}
    tx_index: dict[str, int] = {}
    if blocks_file is not None:
        blocks.update(read_blocks_file(con, Path(blocks_file)))
    if transactions_file is not None:
        tx_index.update(read_transactions_file(con, Path(transactions_file)))
    wallets = None
    if wallet_addresses is not None:
        wallets = sorted({a.lower() for a in wallet_addresses})
    reports = []
    for raw_path in paths:
        path = Path(raw_path)
        if not path.is_file():
            raise TransferImportError(f"{path}: no such file")
        reports.append(
            _import_one(
                con, network, fmt, path, wallets, blocks, tx_index, client, final_block, load_id
            )
        )
    return reports


def _import_one(
    con, network: Network, fmt, path: Path, wallets, blocks, tx_index, client, final_block, load_id
) -> ImportReport:
    started = datetime.now(UTC)
    report = ImportReport(path=str(path), format=fmt, sha256=file_sha256(path))
    try:
        sql = READERS[fmt](con, [path])
        logs: pa.Table = con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise TransferImportError(f"{path}: cannot read it as {fmt}: {exc}") from exc
    report.rows_in = logs.num_rows
    token = network.token.address
    con.register("imported_logs", logs)
    try:
        # a file without block hashes: the hash comes from the blocks file / node below
        mine = con.sql(
            f"select * replace (coalesce(block_hash, '{UNKNOWN_HASH}') as block_hash) "
            "from imported_logs where lower(address) = ?",
            params=[token],
        ).to_arrow_table()
    finally:
        con.unregister("imported_logs")
    report.other_tokens = report.rows_in - mine.num_rows
    counts = decode_transfer_logs(con, mine, network.token.decimals, into="imported_decoded")
    report.skipped, report.quarantined = counts["skip"], counts["bad"]
    report.decoded = counts["ok"]
    if wallets is not None:
        con.execute(
            "delete from imported_decoded where outcome = 'ok' and from_address not in "
            "(select unnest(?)) and to_address not in (select unnest(?))",
            [wallets, wallets],
        )
        kept = con.execute("select count(*) from imported_decoded where outcome = 'ok'").fetchone()
        report.not_registry = report.decoded - kept[0]

    # block hash / time / tx index the file does not carry
    needed = con.execute(
        "select distinct block_number from imported_decoded where outcome = 'ok'"
    ).fetchall()
    numbers = [n for (n,) in needed]
    missing_tx = con.execute(
        "select count(*) from imported_decoded where outcome = 'ok' and tx_index is null"
    ).fetchone()[0]
    if client is not None and (
        any(n not in blocks for n in numbers) or (missing_tx and not tx_index)
    ):
        node_blocks, node_tx = _facts_from_node(
            client, [n for n in numbers if n not in blocks] or numbers, bool(missing_tx)
        )
        for n, fact in node_blocks.items():
            blocks.setdefault(n, fact)
        for h, k in node_tx.items():
            tx_index.setdefault(h, k)
    con.execute(
        "create or replace temp table import_blocks "
        "(block_number bigint, file_block_hash varchar, block_time_s bigint)"
    )
    known = [(n, *blocks[n]) for n in numbers if n in blocks]
    if known:
        con.executemany("insert into import_blocks values (?, ?, ?)", known)
    con.execute("create or replace temp table import_tx (tx_hash varchar, tx_index_f bigint)")
    if missing_tx and tx_index:
        rows = con.execute(
            "select distinct tx_hash from imported_decoded "
            "where outcome = 'ok' and tx_index is null"
        ).fetchall()
        wanted = {h for (h,) in rows}
        pairs = [(h, k) for h, k in tx_index.items() if h in wanted]
        if pairs:
            con.executemany("insert into import_tx values (?, ?)", pairs)
    con.execute(
        f"""
        create or replace temp table import_ready as
        select d.*, b.file_block_hash, b.block_time_s,
               coalesce(d.tx_index, t.tx_index_f) as tx_index_known,
               case
                   when b.block_number is null
                       then 'no block hash/time for block ' || d.block_number
                            || ': pass a blocks file or use the node'
                   when d.block_hash <> '{UNKNOWN_HASH}' and d.block_hash <> b.file_block_hash
                       then 'block hash ' || d.block_hash || ' differs from the blocks file/node ('
                            || b.file_block_hash || ')'
                   when coalesce(d.tx_index, t.tx_index_f) is null
                       then 'no transaction index for ' || d.tx_hash
                            || ': pass a transactions file or use the node'
               end as problem
        from imported_decoded d
        left join import_blocks b using (block_number)
        left join import_tx t using (tx_hash)
        where d.outcome = 'ok'
        """
    )
    source_ref = f"file:{path.resolve()}#sha256={report.sha256}"
    con.execute("begin transaction")
    try:
        unresolved = con.execute(
            """
            insert or ignore into audit.quarantine
            select ?, ?, 'block ' || block_number || ' tx ' || tx_hash || ' log ' || log_index,
                   'block', cast(block_number as varchar), problem, ?, now()
            from import_ready where problem is not null
            """,
            [SOURCE, source_ref, load_id],
        ).fetchone()[0]
        bad = con.execute(
            """
            insert or ignore into audit.quarantine
            select ?, ?, 'block ' || block_number || ' tx ' || tx_hash || ' log ' || log_index,
                   split_part(outcome, ':', 2),
                   case split_part(outcome, ':', 2) when 'data' then data
                        when 'topic1' then topic1 when 'topic2' then topic2
                        else concat_ws(',', topic0, topic1, topic2, topic3) end,
                   split_part(outcome, ':', 3) || ' (token ' || address || ')', ?, now()
            from imported_decoded where outcome like 'bad:%'
            """,
            [SOURCE, source_ref, load_id],
        ).fetchone()[0]
        report.quarantined = bad + unresolved
        if unresolved:
            report.problems += [
                r[0]
                for r in con.execute(
                    "select distinct problem from import_ready where problem is not null "
                    "order by 1 limit 5"
                ).fetchall()
            ]
        report.already_present = con.execute(
            """
            select count(*) from import_ready i where problem is null and exists (
                select 1 from raw.onchain_transfers t
                where t.chain_id = ? and t.tx_hash = i.tx_hash and t.log_index = i.log_index)
            """,
            [network.chain_id],
        ).fetchone()[0]
        final = final_block if final_block is not None else (1 << 62)
        report.loaded = con.execute(
            """
            insert into raw.onchain_transfers (
                chain_id, network, token_address, block_number, block_hash, block_time,
                tx_hash, tx_index, log_index, from_address, to_address, amount_raw, is_final,
                source_ref, load_id
            )
            select ?::bigint, ?::varchar, address, block_number, file_block_hash,
                   to_timestamp(block_time_s), tx_hash, tx_index_known::integer,
                   log_index::integer, from_address, to_address, amount_raw,
                   block_number <= ?::bigint, ?::varchar, ?::varchar
            from import_ready i
            where problem is null and not exists (
                select 1 from raw.onchain_transfers t
                where t.chain_id = ? and t.tx_hash = i.tx_hash and t.log_index = i.log_index)
            """,
            [network.chain_id, network.name, final, source_ref, load_id, network.chain_id],
        ).fetchone()[0]
        record_load(
            con,
            load_id=load_id,
            source=SOURCE,
            source_ref=source_ref,
            started_at=started,
            rows_in=report.rows_in,
            rows_loaded=report.loaded,
            rows_quarantined=report.quarantined,
            rows_skipped=report.skipped + report.already_present,
            message=report.summary(),
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s", report.summary())
    return report
