"""A small warehouse with the marts a close reads, written by hand (tests of reporting/close).

Two locations on ethereum (a hot wallet and a custodian vault), October 2026 complete and
November 2026 in progress, in America/New_York; one reconciliation break and one in-transit item
at 2026-10-31; fair value for September (cash equivalent) and October (fair value).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

HOT = "0x1111111111111111111111111111111111111111"
VAULT = "vault-7"

DDL = f"""
create schema if not exists marts;
create schema if not exists raw;
create schema if not exists audit;
create table marts.inventory_rollforward as
select * from (values
  ('2026-10', 'month', date '2026-10-01', date '2026-10-31', true, 'acme', 'ethereum', 'USD1',
   'wallet', '{HOT}', 'hot', 'self', 'hot', 'operating',
   100.5::decimal(38,18), 20.25::decimal(38,18), 10.000001::decimal(38,18), 0::decimal(38,18),
   5::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   105.749999::decimal(38,18)),
  ('2026-10', 'month', date '2026-10-01', date '2026-10-31', true, 'acme', 'ethereum', 'USD1',
   'custodian', '{VAULT}', 'vault', 'fireblocks', 'treasury', 'operating',
   1000000.123456789012345678::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   5::decimal(38,18), 0::decimal(38,18), 250::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 1000255.123456789012345678::decimal(38,18)),
  ('2026-11', 'month', date '2026-11-01', date '2026-11-30', false, 'acme', 'ethereum', 'USD1',
   'wallet', '{HOT}', 'hot', 'self', 'hot', 'operating',
   105.749999::decimal(38,18), 1::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   106.749999::decimal(38,18))
) t(period, period_type, period_start_date, period_end_date, is_period_complete, entity,
    network, asset, location_type, location_id, location_label, custody_provider, purpose,
    ownership, opening_balance, inflows_external, outflows_external, transfers_in_internal,
    transfers_out_internal, mints, burns, fees, closing_balance);

create table marts.inventory_daily as
select * from (values
  (date '2026-10-30', 'acme', 'ethereum', 'USD1', 'wallet', '{HOT}', 'hot', 'self', 'hot',
   'operating', 100::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 100::decimal(38,18)),
  (date '2026-10-31', 'acme', 'ethereum', 'USD1', 'wallet', '{HOT}', 'hot', 'self', 'hot',
   'operating', 105.749999::decimal(38,18), 2::decimal(38,18), 1::decimal(38,18),
   0::decimal(38,18), 0::decimal(38,18), 104.749999::decimal(38,18)),
  (date '2026-10-30', 'acme', 'ethereum', 'USD1', 'custodian', '{VAULT}', 'vault', 'fireblocks',
   'treasury', 'operating', 1000005::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 0::decimal(38,18), 1000005::decimal(38,18)),
  (date '2026-10-31', 'acme', 'ethereum', 'USD1', 'custodian', '{VAULT}', 'vault', 'fireblocks',
   'treasury', 'operating', 1000255.123456789012345678::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 10::decimal(38,18), 0::decimal(38,18),
   1000245.123456789012345678::decimal(38,18)),
  (date '2026-11-01', 'acme', 'ethereum', 'USD1', 'wallet', '{HOT}', 'hot', 'self', 'hot',
   'operating', 106.749999::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 0::decimal(38,18), 106.749999::decimal(38,18))
) t(as_of_date, entity, network, asset, location_type, location_id, location_label,
    custody_provider, purpose, ownership, balance, pending_in, pending_out, frozen, locked,
    available);

create table marts.fair_value as
select * from (values
  ('2026-09', 'month', date '2026-09-01', date '2026-09-30', 'acme', 'operating', 'USD1',
   1000000::decimal(38,18), 1.0003::decimal(38,6), 'coingecko', 1000300::decimal(38,6),
   3::decimal(38,2), 'cash_equivalent', true, 1000010::decimal(38,6), null::decimal(38,6),
   null::decimal(38,6), 1000000::decimal(38,6)),
  ('2026-10', 'month', date '2026-10-01', date '2026-10-31', 'acme', 'operating', 'USD1',
   1000360.873455789012345678::decimal(38,18), 0.999788::decimal(38,6), 'coingecko',
   1000148.796478::decimal(38,6), -2.12::decimal(38,2), 'fair_value', true,
   1000380.1::decimal(38,6), -231.303522::decimal(38,6), -30.267147::decimal(38,6),
   1000148.796478::decimal(38,6)),
  ('2026-10', 'month', date '2026-10-01', date '2026-10-31', 'acme', 'client', 'USD1',
   500::decimal(38,18), 0.999788::decimal(38,6), 'coingecko', 499.894::decimal(38,6),
   -2.12::decimal(38,2), 'fair_value', false, null, null, null, null)
) t(period, period_type, period_start_date, period_end_date, entity, ownership, asset, units,
    price_usd, price_source, fair_value_usd, depeg_bps, measurement_basis, is_measured,
    cost_basis_usd, unrealized_gain_loss_usd, realized_gain_loss_usd, carrying_amount_usd);

create table marts.reconciliation as
select * from (values
  (date '2026-10-31', 'acme', 'ethereum', 'wallet', '{HOT}', 'transfers_vs_balanceof',
   105.749999::decimal(38,18), 105.749999::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18),
   0::decimal(38,18), 0::decimal(38,18), 'matched', null::timestamptz, null::integer),
  (date '2026-10-31', 'acme', 'ethereum', 'custodian', '{VAULT}', 'custodian_vs_ledger',
   1000255.123456789012345678::decimal(38,18), 1000245.123456789012345678::decimal(38,18),
   10::decimal(38,18), 10::decimal(38,18), 0::decimal(38,18), 0::decimal(38,18), 'explained',
   null::timestamptz, null::integer),
  (date '2026-10-31', 'acme', 'ethereum', 'wallet', '{HOT}', 'onchain_vs_ledger',
   105.749999::decimal(38,18), 104.749999::decimal(38,18), 1::decimal(38,18), 0::decimal(38,18),
   1::decimal(38,18), 0::decimal(38,18), 'break', timestamptz '2026-10-19 14:00:00+00', 12)
) t(as_of_date, entity, network, location_type, location_id, comparison, left_balance,
    right_balance, difference, explained_in_transit, unexplained_difference, tolerance, status,
    break_opened_at, break_age_days);

create table raw.onchain_day_blocks as
select * from (values
  ('ethereum', 1, date '2026-10-30', 100, 180, '0xaaa', timestamptz '2026-10-31 03:59:00+00'),
  ('ethereum', 1, date '2026-10-31', 181, 250, '0xbbbcutoff',
   timestamptz '2026-11-01 03:59:59+00'),
  ('ethereum', 1, date '2026-11-01', 251, 300, '0xccc', timestamptz '2026-11-02 04:59:00+00')
) t(network, chain_id, block_date, first_block, last_block, last_block_hash, last_block_time);
alter table raw.onchain_day_blocks add column is_day_complete boolean default true;
alter table raw.onchain_day_blocks add column is_final boolean default true;

create table raw.valuation_policies as
select * from (values
  ('USD1', 'acme', 'cash_equivalent', date '2026-08-01', 'Cash equivalent at par.'),
  ('USD1', 'acme', 'fair_value', date '2026-10-01', 'Fair value through net income.')
) t(asset, entity, basis, effective_date, note);

create table raw.registry_entities as select 'acme' as entity, 'Acme Pay Inc.' as entity_name;

create table raw.registry_wallets as
select * from (values
  ('ethereum', '{HOT}', 'acme', 'Hot wallet 1', 'hot', 'self', 'operating')
) t(network, address, entity, label, purpose, custody_provider, ownership);

create table raw.registry_accounts as
select * from (values
  ('{VAULT}', 'custodian', 'fireblocks', 'FB-7', 'acme', 'operating', 'ethereum', 'treasury',
   null, '{VAULT}'),
  ('client-liabilities', 'ledger', null, null, 'acme', 'client', null, null, null, null)
) t(account_id, account_kind, provider, external_id, entity, ownership, network, purpose,
    address, location_id);

create table audit.files as
select * from (values
  ('fireblocks', 'custodian', 'vault_20261101.json', 'f00dcafe', 'loaded', 3::bigint, 0::bigint,
   'fireblocks|vault-7|as_of=2026-11-01', null, null, timestamptz '2026-11-02 10:00:00+00')
) t(source, kind, file_name, sha256, status, rows_loaded, rows_quarantined, statement_key,
    superseded_by, duplicate_of, loaded_at);
"""


def build_close_warehouse(path: Path) -> Path:
    """Write the warehouse file at `path` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
    finally:
        con.close()
    return path
