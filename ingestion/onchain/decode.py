"""Decode ERC-20 `Transfer` logs in bulk, exactly, inside DuckDB.

Input is a relation of *normalised logs* (one row per log, hex strings as nodes return them):
``address, topic0, topic1, topic2, topic3, data, block_number, block_hash, tx_hash, tx_index,
log_index, removed``. Every source (eth_getLogs JSON, ethereum-etl or cryo exports) is first
brought to this shape, so one decoder serves them all.

Three outcomes per log:
- decoded: a standard ERC-20 Transfer (3 topics, 32-byte data) whose value fits the warehouse;
- skipped: a look-alike that shares topic0 but is not an ERC-20 transfer (ERC-721: 4 topics,
  empty data) or a log the node marked ``removed`` (orphaned by a reorg);
- quarantined: claims to be an ERC-20 Transfer but is malformed, or its value does not fit
  DECIMAL(38,0) token base units / DECIMAL(38,18) token units. Never wrapped or rounded.

uint256 values are split in four 64-bit words cast from hex to UBIGINT (exact and fast; a
hex-to-UHUGEINT cast is ~40x slower); a value whose top 129 bits are not zero cannot fit
DECIMAL(38,0), the rest is assembled exactly in a HUGEINT. No float, no Python int loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pyarrow as pa

TRANSFER_TOPIC0 = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

NORMALISED_LOG_SCHEMA = pa.schema(
    [
        ("address", pa.string()),
        ("topic0", pa.string()),
        ("topic1", pa.string()),
        ("topic2", pa.string()),
        ("topic3", pa.string()),
        ("data", pa.string()),
        ("block_number", pa.int64()),
        ("block_hash", pa.string()),
        ("tx_hash", pa.string()),
        ("tx_index", pa.int64()),
        ("log_index", pa.int64()),
        ("removed", pa.bool_()),
    ]
)


def _hex_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value, 16) if str(value).startswith("0x") else int(value)


def normalise_rpc_logs(logs: Iterable[Mapping[str, Any]]) -> pa.Table:
    """eth_getLogs result objects -> an Arrow table in the normalised log shape.

    Column-wise list comprehensions (no per-log appends); a log with more than 4 topics keeps
    the extra ones joined in `topic3`, as evidence for quarantine.
    """
    logs = list(logs)
    topics = [list(e.get("topics") or []) for e in logs]

    def topic(i: int) -> list[str | None]:
        return [t[i] if len(t) > i else None for t in topics]

    cols: dict[str, list[Any]] = {
        "address": [e.get("address") for e in logs],
        "topic0": topic(0),
        "topic1": topic(1),
        "topic2": topic(2),
        "topic3": [
            ",".join(t[3:]) if len(t) > 4 else (t[3] if len(t) == 4 else None) for t in topics
        ],
        "data": [e.get("data") for e in logs],
        "block_number": [_hex_int(e.get("blockNumber")) for e in logs],
        "block_hash": [e.get("blockHash") for e in logs],
        "tx_hash": [e.get("transactionHash") for e in logs],
        "tx_index": [_hex_int(e.get("transactionIndex")) for e in logs],
        "log_index": [_hex_int(e.get("logIndex")) for e in logs],
        "removed": [bool(e.get("removed", False)) for e in logs],
    }
    return pa.Table.from_pydict(cols, schema=NORMALISED_LOG_SCHEMA)


def max_raw_digits(decimals: int) -> int:
    """Digits a base-unit amount may have: fits DECIMAL(38,0) and, in token units,
    DECIMAL(38,18) (20 integer digits)."""
    return min(38, 20 + decimals)


# Classify and decode; `logs` is the normalised relation registered under that name.
DECODE_SQL = r"""
with typed as (
    select
        lower(address) as address,
        lower(topic0) as topic0,
        lower(topic1) as topic1,
        lower(topic2) as topic2,
        lower(topic3) as topic3,
        lower(data) as data,
        block_number,
        lower(block_hash) as block_hash,
        lower(tx_hash) as tx_hash,
        tx_index,
        log_index,
        coalesce(removed, false) as removed
    from logs
),
classified as (
    select
        *,
        case
            when removed then 'skip:removed'
            when topic0 is distinct from '{topic0}' then 'skip:not a Transfer event'
            when topic3 is not null and (data is null or data = '0x') then 'skip:ERC-721 Transfer'
            when topic1 is null or topic2 is null or topic3 is not null
                then 'bad:topics:expected 3 topics (event, from, to)'
            when not regexp_full_match(topic1, '0x0{{24}}[0-9a-f]{{40}}')
                then 'bad:topic1:from is not a left-padded 20-byte address'
            when not regexp_full_match(topic2, '0x0{{24}}[0-9a-f]{{40}}')
                then 'bad:topic2:to is not a left-padded 20-byte address'
            when data is null or not regexp_full_match(data, '0x[0-9a-f]{{64}}')
                then 'bad:data:expected 32 bytes of hex (0x + 64 hex digits)'
            when block_number is null or block_hash is null or tx_hash is null
                or log_index is null
                then 'bad:position:missing block number, block hash, tx hash or log index'
            else 'ok'
        end as verdict
    from typed
),
valued as (
    -- four 64-bit words, most significant first: hex -> UBIGINT is exact and fast
    select
        *,
        case when verdict = 'ok' then ('0x' || substr(data, 3, 16))::ubigint end as w0,
        case when verdict = 'ok' then ('0x' || substr(data, 19, 16))::ubigint end as w1,
        case when verdict = 'ok' then ('0x' || substr(data, 35, 16))::ubigint end as w2,
        case when verdict = 'ok' then ('0x' || substr(data, 51, 16))::ubigint end as w3
    from classified
),
sized as (
    -- below 2^127 the value is exact in a HUGEINT; anything above cannot fit DECIMAL(38,0)
    select
        *,
        case
            when verdict = 'ok' and w0 = 0 and w1 = 0 and w2 < 9223372036854775808
                then (w2::hugeint << 64) + w3::hugeint
        end as value_int
    from valued
)
select
    * exclude (w0, w1, w2, w3),
    case
        when verdict <> 'ok' then verdict
        when value_int is null or value_int >= cast('{limit}' as hugeint)
            then 'bad:data:value does not fit DECIMAL(38,0) base units / DECIMAL(38,18) token units'
        else 'ok'
    end as outcome,
    '0x' || substr(topic1, 27) as from_address,
    '0x' || substr(topic2, 27) as to_address
from sized
"""


def decode_transfer_logs(
    con: duckdb.DuckDBPyConnection,
    logs: pa.Table | str,
    decimals: int,
    into: str = "decoded_logs",
) -> dict[str, int]:
    """Decode normalised logs into the temp table `into`; return counts per outcome class.

    `logs` is an Arrow table in the normalised shape, or the SQL of such a relation (so a
    file read by DuckDB is decoded without leaving DuckDB).

    The temp table has every input column plus `outcome` ('ok', 'skip:…', 'bad:<field>:<why>'),
    `from_address`, `to_address` and `amount_raw` (DECIMAL(38,0), null unless outcome = 'ok').
    """
    if isinstance(logs, str):  # SQL of a relation in the normalised shape
        con.execute(f"create or replace temp view logs as {logs}")
    else:
        con.register("logs", logs)
    try:
        sql = DECODE_SQL.format(topic0=TRANSFER_TOPIC0, limit=10 ** max_raw_digits(decimals))
        con.execute(
            f"create or replace temp table {into} as "
            f"select * exclude (value_int), case when outcome = 'ok' then "
            f"cast(value_int as decimal(38, 0)) end as amount_raw from ({sql})"
        )
    finally:
        if isinstance(logs, str):
            con.execute("drop view if exists logs")
        else:
            con.unregister("logs")
    counts = dict(
        con.execute(
            f"select split_part(outcome, ':', 1), count(*) from {into} group by 1"
        ).fetchall()
    )
    return {"ok": counts.get("ok", 0), "skip": counts.get("skip", 0), "bad": counts.get("bad", 0)}
