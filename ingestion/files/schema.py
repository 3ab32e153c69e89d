"""DDL of the off-chain file tables in `raw` and `audit`.

Every `raw` row keeps its provenance: `file_path`, `file_sha256`, `row_number` (1-based data row
of the file) and `load_id`; rows are only ever appended, keyed by (file_sha256, row_number).
Which file of a statement is current is said by `audit.files.status` (loaded | superseded);
staging keeps the rows of `loaded` files. Token amounts are DECIMAL(38,18), USD DECIMAL(38,6),
times UTC TIMESTAMPTZ.
"""

from __future__ import annotations

import duckdb

from ingestion.valuation import DDL as VALUATION_DDL

PROVENANCE = [
    ("statement_key", "varchar not null"),
    ("file_path", "varchar not null"),
    ("file_sha256", "varchar not null"),
    ("row_number", "integer not null"),
    ("load_id", "varchar not null"),
]

TOKEN = "decimal(38, 18)"  # noqa: S105 - a column type, not a secret
USD = "decimal(38, 6)"

# table -> data columns (name, type); the provenance columns follow
TABLES: dict[str, list[tuple[str, str]]] = {
    # a custodian's balance per account and asset as of a time
    "custodian_balances": [
        ("source", "varchar not null"),
        ("adapter", "varchar not null"),
        ("provider", "varchar not null"),
        ("account_id", "varchar not null"),
        ("external_account_id", "varchar not null"),
        ("asset", "varchar not null"),
        ("provider_asset", "varchar not null"),
        ("as_of", "timestamptz not null"),
        ("balance", f"{TOKEN} not null"),
        ("available", TOKEN),
        ("pending", TOKEN),
        ("frozen", TOKEN),
        ("locked", TOKEN),
        ("staked", TOKEN),
        ("block_height", "bigint"),
    ],
    # a custodian's movements (transfers in and out of an account)
    "custodian_movements": [
        ("source", "varchar not null"),
        ("adapter", "varchar not null"),
        ("provider", "varchar not null"),
        ("account_id", "varchar not null"),
        ("external_account_id", "varchar not null"),
        ("entry_id", "varchar not null"),
        (
            "movement_type",
            "varchar not null",
        ),  # deposit | withdrawal | transfer | fee | conversion | other
        ("provider_type", "varchar not null"),
        ("status", "varchar"),
        ("is_final", "boolean not null"),
        ("asset", "varchar not null"),
        ("provider_asset", "varchar not null"),
        ("amount", f"{TOKEN} not null"),  # signed: + into the account, - out of it
        ("fee", TOKEN),
        ("amount_usd", USD),
        ("occurred_at", "timestamptz not null"),
        ("tx_hash", "varchar"),
        ("block_height", "bigint"),
    ],
    # an exchange's ledger entries (and the running balance where the venue gives it)
    "exchange_entries": [
        ("source", "varchar not null"),
        ("adapter", "varchar not null"),
        ("venue", "varchar not null"),
        ("account_id", "varchar not null"),
        ("entry_id", "varchar not null"),
        ("ref_id", "varchar"),
        ("entry_type", "varchar not null"),  # deposit | withdrawal | trade | fee | transfer | other
        ("venue_type", "varchar not null"),
        ("venue_subtype", "varchar"),
        ("is_final", "boolean not null"),
        ("asset", "varchar not null"),
        ("venue_asset", "varchar not null"),
        ("amount", f"{TOKEN} not null"),  # signed, in asset units
        ("fee", f"{TOKEN} not null"),  # charged in addition to amount, in fee_asset
        ("fee_asset", "varchar"),
        ("balance", TOKEN),  # venue's running balance after the entry, if given
        ("price_usd", USD),
        ("amount_usd", USD),  # USD value the venue states (conversions to/from USD)
        ("occurred_at", "timestamptz not null"),
        ("network", "varchar"),
        ("tx_hash", "varchar"),
        ("address", "varchar"),
    ],
    # an exchange account's balance per asset as of a time (a venue's balances export or a
    # canonical balances CSV): the anchor for layouts without a running balance
    "exchange_balances": [
        ("source", "varchar not null"),
        ("adapter", "varchar not null"),
        ("venue", "varchar not null"),
        ("account_id", "varchar not null"),
        ("asset", "varchar not null"),
        ("venue_asset", "varchar not null"),
        ("as_of", "timestamptz not null"),
        ("balance", f"{TOKEN} not null"),  # total: available + locked
        ("available", TOKEN),
        ("locked", TOKEN),  # in orders, staked or otherwise not withdrawable
    ],
    # the operator's own books; customers appear only as a keyed pseudonym
    "ledger_entries": [
        ("source", "varchar not null"),
        ("entry_id", "varchar not null"),
        ("account_id", "varchar not null"),
        ("owner_type", "varchar not null"),  # client | operating
        ("entity", "varchar not null"),
        ("entry_type", "varchar not null"),
        ("asset", "varchar not null"),
        ("amount", f"{TOKEN} not null"),  # signed: + increases the account
        ("posted_at", "timestamptz not null"),
        ("customer_ref", "varchar"),  # HMAC-SHA256 pseudonym of the platform's customer id
        ("counterparty_account_id", "varchar"),
        ("network", "varchar"),
        ("tx_hash", "varchar"),
    ],
    # vendor prices: USD per token at ts, with the convention the vendor follows
    "prices": [
        ("source", "varchar not null"),
        ("asset", "varchar not null"),
        ("ts", "timestamptz not null"),
        ("convention", "varchar not null"),  # snapshot (at ts) | ohlc_close (of the UTC day to ts)
        ("price_usd", f"{USD} not null"),
        ("price_text", "varchar not null"),  # as the vendor wrote it, before rounding
        ("open_usd", USD),
        ("high_usd", USD),
        ("low_usd", USD),
        ("market_cap_usd", USD),
        ("volume_usd", USD),
    ],
}

DDL = (
    "create schema if not exists raw;\ncreate schema if not exists audit;\n"
    + "\n".join(
        f"create table if not exists raw.{table} (\n    "
        + ",\n    ".join(f"{name} {kind}" for name, kind in [*columns, *PROVENANCE])
        + ",\n    primary key (file_sha256, row_number)\n);"
        for table, columns in TABLES.items()
    )
    + """
-- accounts registry of the file sources, rewritten from the configuration on every load
create table if not exists raw.registry_accounts (
    account_id varchar not null primary key,
    account_kind varchar not null,      -- custodian | exchange | ledger
    provider varchar,                   -- custodian or venue (null for ledger accounts)
    external_id varchar,
    entity varchar not null,
    ownership varchar not null,         -- operating | client (a ledger account's owner_type)
    network varchar,
    purpose varchar,
    address varchar,
    location_id varchar
);
-- files.exchange_accounts[].opening_balances: configured anchors of exchange positions
create table if not exists raw.registry_opening_balances (
    account_id varchar not null,
    asset varchar not null,
    as_of timestamptz not null,
    amount decimal(38, 18) not null,
    source_note varchar not null,
    primary key (account_id, asset, as_of)
);
create table if not exists raw.registry_price_sources (
    source varchar not null,
    asset varchar not null,
    is_principal boolean not null,
    primary key (source, asset)
);

-- every file seen in a landing folder: one row per (sha256, path)
create table if not exists audit.files (
    sha256 varchar not null,
    path varchar not null,
    file_name varchar not null,
    size_bytes bigint not null,
    dropped_at timestamptz not null,    -- the file's modification time: orders corrections
    source varchar not null,            -- files.sources[].name (the landing folder)
    kind varchar not null,              -- custodian | exchange | ledger | prices
    adapter varchar not null,
    encoding varchar,
    statement_key varchar,              -- (source, account(s), as-of or period) of the content
    status varchar not null,            -- loaded | duplicate | superseded | quarantined
    duplicate_of varchar,               -- path of the first copy (status duplicate)
    superseded_by varchar,              -- sha256 of the file that replaces it
    raw_table varchar,
    rows_in bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    load_id varchar not null,
    loaded_at timestamptz not null,
    message varchar,
    primary key (sha256, path)
);
"""
)


def init_file_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the file sources' raw and audit tables if they do not exist (idempotent), and
    bring tables of a warehouse created by an earlier version to the declared columns."""
    con.execute(DDL)
    migrate_raw_columns(con)
    con.execute(VALUATION_DDL)  # raw.valuation_*: written with the registry from `valuation:`


def migrate_raw_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A column declared in TABLES but missing from an existing raw table is added (nullable:
    the rows loaded before it have no value); one declared nullable that an earlier version
    created `not null` loses the constraint. No full refresh, no reload; returns what changed.
    A declared `not null` column is never tightened on existing rows."""
    existing: dict[tuple[str, str], bool] = {
        (table, column): nullable == "YES"
        for table, column, nullable in con.execute(
            "select table_name, column_name, is_nullable from information_schema.columns "
            "where table_schema = 'raw'"
        ).fetchall()
    }
    changed = []
    for table, columns in TABLES.items():
        for name, kind in [*columns, *PROVENANCE]:
            declared_nullable = "not null" not in kind
            if (table, name) not in existing:
                column_type = kind.replace("not null", "").strip()
                con.execute(f"alter table raw.{table} add column {name} {column_type}")
                changed.append(f"raw.{table}.{name}: added")
            elif declared_nullable and not existing[(table, name)]:
                con.execute(f"alter table raw.{table} alter column {name} drop not null")
                changed.append(f"raw.{table}.{name}: now nullable")
    return changed
