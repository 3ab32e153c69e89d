"""The finance marts and close tables of the dashboard fixture, with numbers checked by hand.

Column names follow the marts' contracts (dbt_project/models/marts/) and DESIGN.md. On
2026-10-31 (all entities and networks): reconciliation matched 2, explained 1, break 2 (the
breaks' unexplained amounts 2.5 and 9); concentration breaches 3 (2 for acme); client
shortfall 32.75; late-data adjustments 12.5 - 0.25 + 12.5 = 24.75.
"""

from __future__ import annotations

A, B, C, D = ("0x" + ch * 40 for ch in "abcd")

RECONCILIATION = f"""
create table marts.reconciliation as
select
    as_of_date::date as as_of_date, entity, network, location_type, location_id, comparison,
    left_source, right_source,
    left_balance::decimal(38, 18) as left_balance,
    right_balance::decimal(38, 18) as right_balance,
    (left_balance::decimal(38, 18) - right_balance::decimal(38, 18))::decimal(38, 18)
        as difference,
    in_transit::decimal(38, 18) as explained_in_transit,
    (left_balance::decimal(38, 18) - right_balance::decimal(38, 18)
        - in_transit::decimal(38, 18))::decimal(38, 18) as unexplained_difference,
    0::decimal(38, 18) as tolerance,
    status,
    (opened || ' 04:00:00+00')::timestamptz as break_opened_at,
    age as break_age_days,
    opened::date as break_opened_date,
    3 as max_break_age_days
from (values
    ('2026-10-30', 'acme', 'ethereum', 'wallet', '{A}', 'onchain_vs_ledger',
     'onchain', 'ledger', '100.5', '100.5', '0', 'matched', null, null),
    ('2026-10-30', 'acme', 'bsc', 'wallet', '{C}', 'transfers_vs_balanceof',
     'onchain_transfers', 'onchain_balance_of', '7', '7', '0', 'matched', null, null),
    ('2026-10-30', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'custodian_vs_ledger',
     'custodian', 'ledger', '50', '40', '0', 'break', '2026-10-30', 0),
    ('2026-10-31', 'acme', 'ethereum', 'wallet', '{A}', 'onchain_vs_ledger',
     'onchain', 'ledger', '1234567.25', '1234571.25', '-4', 'explained', null, null),
    ('2026-10-31', 'acme', 'ethereum', 'wallet', '{A}', 'transfers_vs_balanceof',
     'onchain_transfers', 'onchain_balance_of', '1234567.25', '1234567.25', '0', 'matched',
     null, null),
    ('2026-10-31', 'acme', 'bsc', 'wallet', '{C}', 'transfers_vs_balanceof',
     'onchain_transfers', 'onchain_balance_of', '9.5', '7', '0', 'break', '2026-10-31', 0),
    ('2026-10-31', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'custodian_vs_ledger',
     'custodian', 'ledger', '50', '40.25', '0.75', 'break', '2026-10-30', 1),
    ('2026-10-31', 'beta', 'bsc', 'exchange', 'kraken-1', 'exchange_vs_ledger',
     'exchange', 'ledger', '3', '3', '0', 'matched', null, null)
) as t(as_of_date, entity, network, location_type, location_id, comparison, left_source,
       right_source, left_balance, right_balance, in_transit, status, opened, age)
"""

RECONCILIATION_BREAKS = f"""
create table marts.reconciliation_breaks as
select
    comparison, entity, network, location_type, location_id, location_label,
    difference::decimal(38, 18) as difference,
    unexplained::decimal(38, 18) as unexplained_difference,
    (opened || ' 04:00:00+00')::timestamptz as break_opened_at, opened::date as break_opened_date,
    age as break_age_days, age > 3 as is_overdue,
    items as in_transit_item_count, in_transit::decimal(38, 18) as in_transit_total,
    items_text as in_transit_items, description,
    status, owner, status in ('open', 'investigating', 'explained') as is_open,
    opened::date as opened_date, age as age_days,
    case when age <= 1 then '0-1' when age <= 7 then '2-7' when age <= 30 then '8-30'
        else '>30' end as age_bucket,
    case when age > 3 then 'overdue' else 'within_sla' end as sla_status
from (values
    ('custodian_vs_ledger', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'Fireblocks vault 1',
     '9.75', '9', '2026-10-30', 1, 1, '0.75', 'withdrawal w-17 of 0.75 sent 2026-10-31 23:58',
     'Custodian shows 9 more than the ledger after the withdrawal in transit: ask Fireblocks '
     || 'for the 2026-10-31 statement lines and post the missing ledger entry.',
     'investigating', 'ana'),
    ('transfers_vs_balanceof', 'acme', 'bsc', 'wallet', '{C}', 'bsc-cccc',
     '2.5', '2.5', '2026-10-31', 0, 0, '0', '',
     'Transfers sum to 2.5 more than balanceOf: re-read the logs of the last final block.',
     'open', null),
    ('custodian_vs_ledger', 'acme', 'ethereum', 'custodian', 'fb-vault-1', 'Fireblocks vault 1',
     '4', '4', '2026-09-20', 12, 0, '0', '', 'Cleared by the next statement.', 'resolved', 'bo')
) as t(comparison, entity, network, location_type, location_id, location_label, difference,
       unexplained, opened, age, items, in_transit, items_text, description, status, owner)
"""

CONCENTRATION = f"""
create table marts.concentration as
select
    as_of_date::date as as_of_date, entity, dimension, dimension_value, location_type,
    balance::decimal(38, 18) as balance, total::decimal(38, 18) as total_balance,
    share::decimal(38, 12) as share, limit_share::decimal(38, 12) as limit_share,
    limit_amount::decimal(38, 18) as limit_amount, limit_source,
    headroom::decimal(38, 18) as headroom, status
from (values
    ('2026-10-31', 'acme', 'location', '{A}', 'wallet', '900', '1000', '0.9', '0.5', '500',
     'limits.location', '-400', 'breach'),
    ('2026-10-31', 'acme', 'location', '{B}', 'wallet', '100', '1000', '0.1', '0.5', '500',
     'limits.location', '400', 'within_limit'),
    ('2026-10-31', 'acme', 'custody_provider', 'self', null, '1000', '1000', '1', null, null,
     null, null, 'no_limit'),
    ('2026-10-31', 'acme', 'network', 'ethereum', null, '1000', '1000', '1', '0.8', '800',
     'limits.network', '-200', 'breach'),
    ('2026-10-31', 'beta', 'location', '{D}', 'wallet', '3', '3', '1', '0.5', '1.5',
     'limits.location', '-1.5', 'breach'),
    ('2026-10-30', 'acme', 'location', '{A}', 'wallet', '400', '1000', '0.4', '0.5', '500',
     'limits.location', '100', 'within_limit')
) as t(as_of_date, entity, dimension, dimension_value, location_type, balance, total, share,
       limit_share, limit_amount, limit_source, headroom, status)
"""

CLIENT_ASSET_COVERAGE = """
create table marts.client_asset_coverage as
select
    as_of_date::date as as_of_date, entity, network, locations::bigint as client_locations,
    holdings::decimal(38, 18) as client_holdings,
    liabilities::decimal(38, 18) as client_liabilities,
    ratio::decimal(38, 12) as coverage_ratio, shortfall::decimal(38, 18) as shortfall,
    covered as is_covered
from (values
    ('2026-10-31', 'acme', 'ethereum', 1, '1234567.25', '1234600', '0.999973473189', '32.75',
     false),
    ('2026-10-31', 'acme', 'bsc', 0, '0', '0', null, '0', true),
    ('2026-10-30', 'acme', 'ethereum', 1, '100.5', '100', '1.005', '0', true)
) as t(as_of_date, entity, network, locations, holdings, liabilities, ratio, shortfall, covered)
"""

INVENTORY_HEALTH = """
create table marts.inventory_health as
select
    as_of_date::date as as_of_date, breaks as open_break_count,
    oldest as oldest_break_age_days, unexplained::decimal(38, 18) as unexplained_break_amount,
    breaches as concentration_breach_count,
    max_share::decimal(38, 12) as max_concentration_share, in_transit as in_transit_count,
    latency::decimal(38, 1) as median_transfer_latency_seconds,
    available::decimal(38, 18) as available_total,
    shock::decimal(38, 18) as shock_amount, ratio::decimal(38, 12) as stress_capacity_ratio,
    stress as stress_status, unknown::decimal(38, 18) as unknown_control_balance,
    pending::decimal(38, 12) as pending_share, health as health_status, reasons as health_reasons
from (values
    ('2026-10-31', 2, 1, '11.5', 3, '1', 1, 840, '1234575.750001', '250000',
     '4.938303000004', 'ok', '0', '0.000003239992', 'warn',
     'open breaks: 2; concentration breaches: 3'),
    ('2026-10-30', 1, 0, '10', 0, '0.4', 0, 610.5, '127.5', '250000', '0.00051', 'short', '0',
     '0', 'alert', 'stress_capacity_ratio 0.00051 < alert 1')
) as t(as_of_date, breaks, oldest, unexplained, breaches, max_share, in_transit, latency,
       available, shock, ratio, stress, unknown, pending, health, reasons)
"""

FAIR_VALUE = """
create table marts.fair_value as
select
    period, period_type, period_end_date::date as period_end_date, entity, ownership,
    'USD1' as asset, units::decimal(38, 18) as units, price::decimal(38, 6) as price_usd,
    source as price_source,
    (units::decimal(38, 12) * price::decimal(38, 6))::decimal(38, 6) as fair_value_usd,
    depeg::decimal(38, 6) as depeg_bps, basis as measurement_basis
from (values
    ('2026-09', 'month', '2026-09-30', 'acme', 'operating', '1000', '0.9998', 'coingecko', '-2',
     'fair_value'),
    ('2026-09', 'month', '2026-09-30', 'acme', 'client', '500.5', '0.9998', 'coingecko', '-2',
     'fair_value'),
    ('2026-10', 'month', '2026-10-31', 'acme', 'operating', '1200', '1.0001', 'coingecko', '1',
     'fair_value'),
    ('2026-10', 'month', '2026-10-31', 'beta', 'operating', '3', '1.0001', 'coinmarketcap', '1',
     'cash_equivalent'),
    ('2026-Q3', 'quarter', '2026-09-30', 'acme', 'operating', '1000', '0.9998', 'coingecko', '-2',
     'fair_value')
) as t(period, period_type, period_end_date, entity, ownership, units, price, source, depeg,
       basis)
"""

CLOSED_PERIODS = """
create table audit.closed_periods as
select
    period, period_type, period_start_date::date as period_start_date,
    period_end_date::date as period_end_date, status, closed_at::timestamptz as closed_at,
    closed_by, run_id, repeat(hash_char, 64) as content_hash,
    reopened_at::timestamptz as reopened_at, reopen_reason
from (values
    ('2026-08', 'month', '2026-08-01', '2026-08-31', 'closed', '2026-09-02 10:00:00+00',
     'alice', 'run-08', 'a', null, null),
    ('2026-09', 'month', '2026-09-01', '2026-09-30', 'closed', '2026-10-02 09:30:00+00', 'bob',
     'run-09', 'b', null, null),
    ('2026-Q3', 'quarter', '2026-07-01', '2026-09-30', 'closed', '2026-10-05 16:00:00+00',
     'carol', 'run-q3', 'c', null, null),
    ('2026-10', 'month', '2026-10-01', '2026-10-31', 'reopened', '2026-11-02 08:00:00+00',
     'alice', 'run-10', 'd', '2026-11-03 08:00:00+00', 'late custodian statement')
) as t(period, period_type, period_start_date, period_end_date, status, closed_at, closed_by,
       run_id, hash_char, reopened_at, reopen_reason)
"""

PERIOD_ADJUSTMENTS = f"""
create table audit.period_adjustments as
select
    adjustment_period, closed_period, entity, network, location_id, comparison_or_measure,
    closed::decimal(38, 18) as closed_value, live::decimal(38, 18) as live_value,
    (live::decimal(38, 18) - closed::decimal(38, 18))::decimal(38, 18) as adjustment,
    detected::timestamptz as detected_at, explanation
from (values
    ('2026-10', '2026-09', 'acme', 'ethereum', '{A}', 'closing_balance', '1000', '1012.5',
     '2026-10-04 07:00:00+00', 'late transfer log for 2026-09-30 (a block re-read after a reorg)'),
    ('2026-10', '2026-09', 'beta', 'bsc', 'kraken-1', 'exchange_vs_ledger', '3', '2.75',
     '2026-10-04 07:00:00+00', 'corrected exchange export for 2026-09'),
    ('2026-10', '2026-Q3', 'acme', 'ethereum', '{A}', 'closing_balance', '1000', '1012.5',
     '2026-10-06 07:00:00+00', 'late transfer log for 2026-09-30 (a block re-read after a reorg)')
) as t(adjustment_period, closed_period, entity, network, location_id, comparison_or_measure,
       closed, live, detected, explanation)
"""

CLOSE_EVENTS = """
create table audit.close_events as
select event_at::timestamptz as event_at, period, event, actor, run_id, note
from (values
    ('2026-10-02 09:30:00+00', '2026-09', 'close', 'bob', 'run-09', 'September closed'),
    ('2026-11-02 08:00:00+00', '2026-10', 'close', 'alice', 'run-10', 'October closed'),
    ('2026-11-03 08:00:00+00', '2026-10', 'reopen', 'alice', 'run-10b',
     'late custodian statement')
) as t(event_at, period, event, actor, run_id, note)
"""

LOAD_LOG = """
create table audit.load_log as
select source, finished_at::timestamptz as finished_at, status
from (values
    ('onchain', '2026-10-31 12:00:00+00', 'success'),
    ('onchain', '2026-10-30 12:00:00+00', 'success'),
    ('file:custodian', '2026-10-31 06:00:00+00', 'loaded'),
    ('file:custodian', '2026-11-01 06:00:00+00', 'quarantined')
) as t(source, finished_at, status)
"""

LIQUIDITY_HORIZONS = """
create table marts.liquidity_horizons as
select as_of_date::date as as_of_date, entity, ownership, horizon,
    horizon_end_at::timestamptz as horizon_end_at,
    available_total::decimal(38, 18) as available_total,
    spendable_units::decimal(38, 18) as spendable_units,
    null::decimal(38, 18) as spendable_share,
    redeemable_usd::decimal(38, 18) as redeemable_usd
from (values
    ('2026-10-31', 'acme', 'operating', '1h', '2026-11-01 05:00:00+00', 1000, 100, 0),
    ('2026-10-31', 'acme', 'operating', '24h', '2026-11-02 04:00:00+00', 1000, 400, 0),
    ('2026-10-31', 'acme', 'operating', '3_business_days', '2026-11-05 05:00:00+00', 1000,
     1000, 1000),
    ('2026-10-31', 'acme', 'client', '24h', '2026-11-02 04:00:00+00', 50, 50.25, 0)
) as t(as_of_date, entity, ownership, horizon, horizon_end_at, available_total,
       spendable_units, redeemable_usd)
"""

ACTIONS = """
create table audit.actions as
select action_id, recorded_at::timestamptz as recorded_at, actor, os_user, role, command,
    arguments_json, outcome, message
from (values
    ('a1', '2026-11-02 08:00:00+00', 'alice', 'alice', 'preparer', 'close',
     '{"period": "2026-10"}', 'ok', null),
    ('a2', '2026-11-02 09:00:00+00', 'alice', 'alice', null, 'close --approve',
     '{"period": "2026-10"}', 'refused', 'close --approve: alice has the role preparer')
) as t(action_id, recorded_at, actor, os_user, role, command, arguments_json, outcome, message)
"""

FINANCE_TABLES = {
    "marts.reconciliation": RECONCILIATION,
    "marts.reconciliation_breaks": RECONCILIATION_BREAKS,
    "marts.concentration": CONCENTRATION,
    "marts.client_asset_coverage": CLIENT_ASSET_COVERAGE,
    "marts.inventory_health": INVENTORY_HEALTH,
    "marts.fair_value": FAIR_VALUE,
    "audit.closed_periods": CLOSED_PERIODS,
    "audit.period_adjustments": PERIOD_ADJUSTMENTS,
    "audit.close_events": CLOSE_EVENTS,
    "marts.liquidity_horizons": LIQUIDITY_HORIZONS,
    "audit.actions": ACTIONS,
}
