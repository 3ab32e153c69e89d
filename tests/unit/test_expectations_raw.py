"""The raw-source suites: each expectation fails on a planted fault, the clean tables pass.

One small DuckDB file holds clean rows of every raw table the suites read; each fault is planted
in a copy and validated by real Great Expectations through the DuckDB connection fix.
"""

from __future__ import annotations

import pytest

from expectations.runner import run_suite
from expectations.suites import raw_files, raw_onchain, raw_registry
from tests.expectations_fixtures import assert_fails_on, make_warehouse, with_fault

A1 = "0x" + "a" * 40
A2 = "0x" + "b" * 40
TOKEN = "0x" + "c" * 40
TX = "0x" + "1" * 64
BLOCK = "0x" + "2" * 64

CLEAN = {
    "raw.onchain_transfers": f"""
        select 1::bigint as chain_id, 'ethereum' as network, '{TOKEN}' as token_address,
               (100 + i)::bigint as block_number, '{BLOCK}' as block_hash,
               timestamptz '2026-10-01 12:00:00+00' + to_hours(i) as block_time,
               '{TX}' as tx_hash, 0 as tx_index, i::integer as log_index,
               '{A1}' as from_address, '{A2}' as to_address,
               (1000000 * i)::decimal(38, 0) as amount_raw, true as is_final
        from range(3) t(i)""",
    "raw.onchain_balances": f"""
        select 1::bigint as chain_id, 'ethereum' as network, '{TOKEN}' as token_address,
               '{A1}' as address, (100 + i)::bigint as block_number,
               timestamptz '2026-10-01 12:00:00+00' + to_days(i) as block_time,
               date '2026-10-01' + i::integer as block_date, 'day' as period_type,
               (5 * i)::decimal(38, 0) as balance_raw, true as is_final
        from range(3) t(i)""",
    "raw.onchain_day_blocks": """
        select 'ethereum' as network, 1::bigint as chain_id,
               date '2026-10-01' + i::integer as block_date,
               case i when 0 then 1 when 2 then 11 end::bigint as first_block,
               case i when 0 then 10 when 2 then 20 end::bigint as last_block,
               true as is_day_complete, true as is_final
        from range(3) t(i)""",
    "raw.custodian_balances": """
        select 'fireblocks' as provider, 'vault-1' as account_id, 'USD1' as asset,
               timestamptz '2026-10-01 03:59:59+00' + to_days(31 * i) as as_of,
               (100 + i)::decimal(38, 18) as balance, 'sha-' || i as file_sha256,
               1 as row_number
        from range(2) t(i)""",
    "raw.custodian_movements": """
        select 'bitgo' as provider, 'wallet-1' as account_id, 'e-' || i as entry_id,
               'USD1' as asset, (10 * i)::decimal(38, 18) as amount,
               0.5::decimal(38, 18) as fee,
               timestamptz '2026-10-01 12:00:00+00' + to_hours(i) as occurred_at,
               'sha-m' as file_sha256, i::integer as row_number
        from range(2) t(i)""",
    "raw.exchange_entries": """
        select 'kraken' as venue, 'kraken-1' as account_id, 'L' || i as entry_id,
               'deposit' as entry_type, 'USD1' as asset, (10 * i)::decimal(38, 18) as amount,
               0::decimal(38, 18) as fee, (10 * i)::decimal(38, 18) as balance,
               timestamptz '2026-10-01 12:00:00+00' + to_hours(i) as occurred_at,
               'sha-x' as file_sha256, i::integer as row_number
        from range(2) t(i)""",
    "raw.ledger_entries": """
        select 'ledger' as source, 'J' || i as entry_id, 'client-liabilities' as account_id,
               'client' as owner_type, 'acme' as entity, 'USD1' as asset,
               (10 * i)::decimal(38, 18) as amount,
               timestamptz '2026-10-01 12:00:00+00' + to_hours(i) as posted_at,
               'sha-l' as file_sha256, i::integer as row_number
        from range(2) t(i)""",
    "raw.prices": """
        select 'coingecko' as source, 'USD1' as asset,
               timestamptz '2026-10-01 00:00:00+00' + to_days(i) as ts,
               1.0002::decimal(38, 6) as price_usd, 'sha-p' as file_sha256,
               i::integer as row_number
        from range(2) t(i)""",
    "raw.registry_networks": f"""
        select 'ethereum' as network, 1::bigint as chain_id, '{TOKEN}' as token_address
        union all select 'bnb', 56, '{TOKEN}'""",
    "raw.registry_entities": "select 'acme' as entity, 'Acme' as entity_name",
    "raw.registry_wallets": f"""
        select 'ethereum' as network, '{A1}' as address, 'acme' as entity, 'hot' as label,
               'hot' as purpose, 'self' as custody_provider, 'operating' as ownership
        union all select 'bnb', '{A1}', 'acme', 'omnibus', 'omnibus', 'self', 'client'""",
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return make_warehouse(tmp_path_factory.mktemp("raw") / "clean.duckdb", CLEAN)


SUITES = [*raw_onchain.SUITES, *raw_files.SUITES, raw_registry.SUITE]


@pytest.mark.parametrize("spec", SUITES, ids=lambda s: s.name)
def test_clean_raw_tables_pass(clean, spec):
    outcome = run_suite(clean, spec)
    assert outcome.skipped is None
    assert outcome.success, outcome.summary()
    assert outcome.outcomes


def _dup(table: str) -> str:
    return f"insert into {table} select * from {table} limit 1"


FAULTS = [
    # on-chain transfers
    (raw_onchain.TRANSFERS, _dup("raw.onchain_transfers"), "compound_columns_to_be_unique"),
    (
        raw_onchain.TRANSFERS,
        "update raw.onchain_transfers set tx_hash = null where log_index = 1",
        "to_not_be_null(column=tx_hash",
    ),
    (
        raw_onchain.TRANSFERS,
        f"update raw.onchain_transfers set to_address = '{A2.upper().replace('0X', '0x')}'",
        "addresses ('0x' + 40 lower-case",
    ),
    (
        raw_onchain.TRANSFERS,
        "update raw.onchain_transfers set from_address = '0x1234' where log_index = 2",
        "addresses ('0x' + 40 lower-case",
    ),
    (
        raw_onchain.TRANSFERS,
        "update raw.onchain_transfers set tx_hash = '0xabc' where log_index = 2",
        "hashes ('0x' + 64",
    ),
    (
        raw_onchain.TRANSFERS,
        "update raw.onchain_transfers set amount_raw = -1 where log_index = 2",
        "amount_raw, block_number, log_index: zero or positive",
    ),
    (
        raw_onchain.TRANSFERS,
        "update raw.onchain_transfers set block_time = null where log_index = 0",
        "to_not_be_null(column=block_time",
    ),
    # on-chain balances
    (raw_onchain.BALANCES, _dup("raw.onchain_balances"), "compound_columns_to_be_unique"),
    (
        raw_onchain.BALANCES,
        "update raw.onchain_balances set balance_raw = -5 where block_number = 101",
        "balance_raw, block_number: zero or positive",
    ),
    (
        raw_onchain.BALANCES,
        "update raw.onchain_balances set period_type = 'week' where block_number = 101",
        "to_be_in_set(column=period_type",
    ),
    (
        raw_onchain.BALANCES,
        "update raw.onchain_balances set address = upper(address)",
        "addresses ('0x' + 40",
    ),
    # day blocks: one row per network x day, contiguous
    (raw_onchain.DAY_BLOCKS, _dup("raw.onchain_day_blocks"), "compound_columns_to_be_unique"),
    (
        raw_onchain.DAY_BLOCKS,
        "delete from raw.onchain_day_blocks where block_date = date '2026-10-02'",
        "days are contiguous",
    ),
    (
        raw_onchain.DAY_BLOCKS,
        "update raw.onchain_day_blocks set first_block = 15 where block_date = date '2026-10-03'",
        "follow the previous day's",
    ),
    (
        raw_onchain.DAY_BLOCKS,
        "update raw.onchain_day_blocks set last_block = 1 where block_date = date '2026-10-03'",
        "first_block <= last_block",
    ),
    # custodian statements
    (
        raw_files.CUSTODIAN_BALANCES,
        _dup("raw.custodian_balances"),
        "compound_columns_to_be_unique(column_list=['provider'",
    ),
    (
        raw_files.CUSTODIAN_BALANCES,
        "update raw.custodian_balances set balance = -1 where file_sha256 = 'sha-1'",
        "balance: zero or positive",
    ),
    (
        raw_files.CUSTODIAN_BALANCES,
        "update raw.custodian_balances set account_id = null",
        "to_not_be_null(column=account_id",
    ),
    (
        raw_files.CUSTODIAN_MOVEMENTS,
        _dup("raw.custodian_movements"),
        "compound_columns_to_be_unique(column_list=['provider'",
    ),
    (
        raw_files.CUSTODIAN_MOVEMENTS,
        "update raw.custodian_movements set fee = -0.5 where entry_id = 'e-1'",
        "fee: zero or positive",
    ),
    # exchange, ledger, prices
    (
        raw_files.EXCHANGE_ENTRIES,
        _dup("raw.exchange_entries"),
        "compound_columns_to_be_unique(column_list=['venue'",
    ),
    (
        raw_files.EXCHANGE_ENTRIES,
        "update raw.exchange_entries set balance = -3 where entry_id = 'L1'",
        "running balance: zero or positive",
    ),
    (
        raw_files.LEDGER_ENTRIES,
        _dup("raw.ledger_entries"),
        "compound_columns_to_be_unique(column_list=['entry_id'",
    ),
    (
        raw_files.LEDGER_ENTRIES,
        "update raw.ledger_entries set owner_type = 'customer' where entry_id = 'J1'",
        "to_be_in_set(column=owner_type",
    ),
    (
        raw_files.LEDGER_ENTRIES,
        "update raw.ledger_entries set posted_at = null where entry_id = 'J1'",
        "to_not_be_null(column=posted_at",
    ),
    (raw_files.PRICES, _dup("raw.prices"), "compound_columns_to_be_unique(column_list=['source'"),
    (raw_files.PRICES, "update raw.prices set price_usd = 0 where row_number = 1", "positive"),
    (
        raw_files.PRICES,
        "update raw.prices set price_usd = null where row_number = 1",
        "to_not_be_null(column=price_usd",
    ),
    # registry
    (raw_registry.SUITE, _dup("raw.registry_wallets"), "compound_columns_to_be_unique"),
    (
        raw_registry.SUITE,
        "update raw.registry_wallets set network = 'polygon' where network = 'bnb'",
        "registered network",
    ),
    (
        raw_registry.SUITE,
        "update raw.registry_wallets set ownership = 'customer' where network = 'bnb'",
        "to_be_in_set(column=ownership",
    ),
    (
        raw_registry.SUITE,
        "update raw.registry_networks set chain_id = 1 where network = 'bnb'",
        "share a chain id",
    ),
    (
        raw_registry.SUITE,
        "update raw.registry_wallets set address = upper(address) where network = 'bnb'",
        "wallet address",
    ),
]


@pytest.mark.parametrize(
    ("spec", "fault", "failing"),
    FAULTS,
    ids=[f"{s.name}:{n}" for n, (s, _, _) in enumerate(FAULTS)],
)
def test_planted_fault_fails_its_expectation(clean, tmp_path, spec, fault, failing):
    warehouse = with_fault(clean, tmp_path / "fault.duckdb", fault)
    outcome = run_suite(warehouse, spec)
    assert_fails_on(outcome, failing)


def test_raw_suites_block():
    assert all(spec.blocking for spec in SUITES)
