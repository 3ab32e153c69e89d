"""The DuckDB warehouse: connection and the DDL of the `raw` and `audit` schemas.

`raw` holds what sources said, with provenance; `audit` holds the load log and quarantine.
dbt owns `staging`, `intermediate` and `marts`. Amounts in base units are DECIMAL(38,0):
exact, and portable to other engines (no HUGEINT in models).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.files.schema import init_file_tables
from ingestion.liquidity import DDL as LIQUIDITY_DDL
from ingestion.reconciliation_config import init_reconciliation_tables
from ingestion.risk_config import DDL as RISK_DDL

DDL = """
create schema if not exists raw;
create schema if not exists audit;

-- registry, rewritten from the configuration on every run
create table if not exists raw.registry_entities (
    entity varchar not null primary key,
    entity_name varchar not null
);
create table if not exists raw.registry_networks (
    network varchar not null primary key,
    chain_id bigint not null,
    token_address varchar not null,
    token_symbol varchar not null,
    token_decimals integer not null,
    confirmations integer not null,
    start_block bigint not null
);
create table if not exists raw.registry_wallets (
    network varchar not null,
    address varchar not null,
    entity varchar not null,
    label varchar not null,
    purpose varchar not null,
    custody_provider varchar not null,
    ownership varchar not null,
    primary key (network, address)
);
-- wallets[].control: what the registry claims controls a wallet (eoa | safe |
-- other_contract); only the wallets that claim one
create table if not exists raw.registry_wallet_control_claims (
    network varchar not null,
    address varchar not null,
    claimed_control varchar not null,
    primary key (network, address)
);

-- one ERC-20 Transfer log of a configured token touching a registry wallet; `loaded_seq`
-- (from raw.onchain_change_seq, set when the row is inserted) and the deletion log below let
-- dbt's incremental models read only what changed since their last build
create sequence if not exists raw.onchain_change_seq;
create table if not exists raw.onchain_transfers (
    chain_id bigint not null,
    network varchar not null,
    token_address varchar not null,
    block_number bigint not null,
    block_hash varchar not null,
    block_time timestamptz not null,
    tx_hash varchar not null,
    tx_index integer not null,
    log_index integer not null,
    from_address varchar not null,
    to_address varchar not null,
    amount_raw decimal(38, 0) not null,
    is_final boolean not null,
    source_ref varchar not null,
    load_id varchar not null,
    loaded_seq bigint default nextval('raw.onchain_change_seq'),
    primary key (chain_id, tx_hash, log_index)
);
-- warehouses created before loaded_seq: existing rows get numbers in table order
alter table raw.onchain_transfers
    add column if not exists loaded_seq bigint default nextval('raw.onchain_change_seq');

-- every row deleted from raw.onchain_transfers (a reorg, a changed log), written by the loader
-- in the same transaction as the delete: which row, when it was loaded, by which load it went
create table if not exists raw.onchain_transfer_deletions (
    chain_id bigint not null,
    network varchar not null,
    token_address varchar not null,
    tx_hash varchar not null,
    log_index integer not null,
    block_number bigint not null,
    block_time timestamptz not null,
    loaded_seq bigint,
    load_id varchar not null,
    deleted_seq bigint not null default nextval('raw.onchain_change_seq')
);

-- which local days have been synced, and the block range each maps to
create table if not exists raw.onchain_day_blocks (
    network varchar not null,
    chain_id bigint not null,
    block_date date not null,
    first_block bigint,
    last_block bigint,
    last_block_hash varchar,
    last_block_time timestamptz,
    final_block bigint not null,
    is_day_complete boolean not null,
    is_final boolean not null,
    primary key (network, block_date)
);

-- balanceOf(wallet) of the configured token at each period end's last block: an independent
-- check of the transfer-derived balances. Identity (chain_id, token_address, address,
-- block_number); a period end whose last block changed (a reorg) is replaced.
create table if not exists raw.onchain_balances (
    chain_id bigint not null,
    network varchar not null,
    token_address varchar not null,
    address varchar not null,
    block_number bigint not null,
    block_hash varchar not null,
    block_time timestamptz not null,
    block_date date not null,
    period_type varchar not null,
    balance_raw decimal(38, 0) not null,
    is_final boolean not null,
    provenance varchar not null,
    load_id varchar not null,
    primary key (chain_id, token_address, address, block_date, period_type)
);

-- what controls each registry wallet at each local day's check block (the block balanceOf is
-- read at): eth_getCode (empty = a single key, eoa) and, for a contract, Safe's getOwners()
-- and getThreshold(). Identity (chain_id, address, block_date); a day whose check block
-- changed (a reorg) is replaced.
create table if not exists raw.onchain_wallet_control (
    chain_id bigint not null,
    network varchar not null,
    address varchar not null,
    block_number bigint not null,
    block_hash varchar not null,
    block_time timestamptz not null,
    block_date date not null,
    wallet_kind varchar not null,
    code_hash varchar,
    signers varchar,
    signer_count integer,
    threshold bigint,
    is_final boolean not null,
    provenance varchar not null,
    load_id varchar not null,
    primary key (chain_id, address, block_date)
);
-- the signers of a Safe row of raw.onchain_wallet_control, one row each (portable set logic in
-- dbt: no list types); written and replaced with their wallet-day row
create table if not exists raw.onchain_wallet_signers (
    chain_id bigint not null,
    network varchar not null,
    address varchar not null,
    block_date date not null,
    signer varchar not null,
    primary key (chain_id, address, block_date, signer)
);
-- the token's issuer-freeze view (networks[].token.freeze.view, e.g. isBlacklisted(address)) of
-- every registry wallet and counterparty at each local day's check block (the balanceOf one).
-- Identity (chain_id, token_address, address, block_date); a re-orged check block is replaced.
create table if not exists raw.onchain_freezes (
    chain_id bigint not null,
    network varchar not null,
    token_address varchar not null,
    address varchar not null,
    block_number bigint not null,
    block_hash varchar not null,
    block_time timestamptz not null,
    block_date date not null,
    is_frozen boolean not null,
    is_final boolean not null,
    provenance varchar not null,
    load_id varchar not null,
    primary key (chain_id, token_address, address, block_date)
);
-- the token's freeze / unfreeze events (token.freeze.frozen_events / unfrozen_events) of any
-- address, final blocks only; `is_frozen` true for a freeze. Identity (chain_id, tx_hash,
-- log_index); a re-read block range is replaced as a whole.
create table if not exists raw.onchain_freeze_events (
    chain_id bigint not null,
    network varchar not null,
    token_address varchar not null,
    block_number bigint not null,
    block_hash varchar not null,
    block_time timestamptz not null,
    tx_hash varchar not null,
    log_index integer not null,
    address varchar not null,
    is_frozen boolean not null,
    event_signature varchar not null,
    provenance varchar not null,
    load_id varchar not null,
    primary key (chain_id, tx_hash, log_index)
);

create sequence if not exists audit.load_seq;
create table if not exists audit.load_log (
    load_seq bigint not null default nextval('audit.load_seq'),
    load_id varchar not null,
    source varchar not null,
    source_ref varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    rows_in bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_skipped bigint,
    message varchar
);
create table if not exists audit.quarantine (
    source varchar not null,
    source_ref varchar not null,
    row_ref varchar not null,
    field varchar not null,
    value varchar,
    reason varchar not null,
    load_id varchar not null,
    quarantined_at timestamptz not null,
    primary key (source, source_ref, row_ref, field)
);
"""


def record_load(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: str,
    source: str,
    source_ref: str,
    started_at: datetime,
    rows_in: int,
    rows_loaded: int,
    rows_quarantined: int,
    rows_skipped: int = 0,
    message: str = "",
    status: str = "success",
) -> None:
    """One row of audit.load_log: what a load read, kept, quarantined and skipped."""
    con.execute(
        "insert into audit.load_log (load_id, source, source_ref, started_at, finished_at, "
        "status, rows_in, rows_loaded, rows_quarantined, rows_skipped, message) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            source,
            source_ref,
            started_at,
            datetime.now(UTC),
            status,
            rows_in,
            rows_loaded,
            rows_quarantined,
            rows_skipped,
            message,
        ],
    )


def init_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit schemas and tables if they do not exist (idempotent)."""
    con.execute(DDL)
    init_file_tables(con)  # custodian/exchange/ledger/price files (ingestion/files/schema.py)
    init_reconciliation_tables(con)  # reconciliation settings, audit.expectation_failures
    con.execute(RISK_DDL)  # raw.registry_* of `risk:` (ingestion/risk_config.py)
    con.execute(LIQUIDITY_DDL)  # calendar, schedule, horizons of `liquidity:` (liquidity.py)


@contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (creating its folder), make sure the schemas exist, close after."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            init_warehouse(con)
        yield con
    finally:
        con.close()


def table_content_hash(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """Row count and an order-independent sha256 of a table's content."""
    rows = con.execute(f"select * from {table}").fetchall()
    digests = sorted(hashlib.sha256(repr(row).encode()).hexdigest() for row in rows)
    return len(rows), hashlib.sha256("\n".join(digests).encode()).hexdigest()


def schema_content_hashes(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = ("raw", "marts")
) -> dict[str, tuple[int, str]]:
    """Content hash of every table in the given schemas, keyed by schema.table."""
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in (select unnest(?)) and table_type = 'BASE TABLE' order by 1",
        [list(schemas)],
    ).fetchall()
    return {name: table_content_hash(con, name) for (name,) in tables}
