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

uint256 values are split in two 128-bit halves and cast from hex to UHUGEINT: no float, no
Python int loop.
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
    """eth_getLogs result objects -> an Arrow table in the normalised log shape."""
    cols: dict[str, list[Any]] = {name: [] for name in NORMALISED_LOG_SCHEMA.names}
    for entry in logs:
        topics = list(entry.get("topics") or [])
        cols["address"].append(entry.get("address"))
        for i in range(4):
            cols[f"topic{i}"].append(topics[i] if i < len(topics) else None)
        cols["data"].append(entry.get("data"))
        cols["block_number"].append(_hex_int(entry.get("blockNumber")))
        cols["block_hash"].append(entry.get("blockHash"))
        cols["tx_hash"].append(entry.get("transactionHash"))
        cols["tx_index"].append(_hex_int(entry.get("transactionIndex")))
        cols["log_index"].append(_hex_int(entry.get("logIndex")))
        cols["removed"].append(bool(entry.get("removed", False)))
        if len(topics) > 4:  # no EVM log has more than 4 topics; keep the evidence
            cols["topic3"][-1] = ",".join(topics[3:])
    return pa.table(cols, schema=NORMALISED_LOG_SCHEMA)


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
    select
        *,
        case when verdict = 'ok' then ('0x' || substr(data, 3, 32))::uhugeint end as value_hi,
        case when verdict = 'ok' then ('0x' || substr(data, 35, 32))::uhugeint end as value_lo
    from classified
)
select
    *,
    case
        when verdict <> 'ok' then verdict
        when value_hi <> 0 or length(cast(value_lo as varchar)) > {max_digits}
            then 'bad:data:value does not fit DECIMAL(38,0) base units / DECIMAL(38,18) token units'
        else 'ok'
    end as outcome,
    '0x' || substr(topic1, 27) as from_address,
    '0x' || substr(topic2, 27) as to_address
from valued
"""


def decode_transfer_logs(
    con: duckdb.DuckDBPyConnection, logs: pa.Table, decimals: int, into: str = "decoded_logs"
) -> dict[str, int]:
    """Decode normalised logs into the temp table `into`; return counts per outcome class.

    The temp table has every input column plus `outcome` ('ok', 'skip:…', 'bad:<field>:<why>'),
    `from_address`, `to_address` and `amount_raw` (DECIMAL(38,0), null unless outcome = 'ok').
    """
    con.register("logs", logs)
    try:
        sql = DECODE_SQL.format(topic0=TRANSFER_TOPIC0, max_digits=max_raw_digits(decimals))
        con.execute(
            f"create or replace temp table {into} as "
            f"select *, case when outcome = 'ok' then cast(cast(value_lo as varchar) "
            f"as decimal(38, 0)) end as amount_raw from ({sql})"
        )
    finally:
        con.unregister("logs")
    counts = dict(
        con.execute(
            f"select split_part(outcome, ':', 1), count(*) from {into} group by 1"
        ).fetchall()
    )
    return {"ok": counts.get("ok", 0), "skip": counts.get("skip", 0), "bad": counts.get("bad", 0)}
