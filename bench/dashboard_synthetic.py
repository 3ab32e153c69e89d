"""Synthetic finance tables for the dashboard benchmark, at the volume a 2,000-wallet operator has.

The benchmark warehouse (bench.dbt_build) holds on-chain transfers only: no balanceOf reads, no
custodian statements, exchange exports, ledger or closes, so its reconciliation is empty and the
close tables do not exist. `fill_missing_tables` writes, into the benchmark's own published
snapshot (never a real one), every page table that is missing or empty there, derived from its
inventory_daily with deterministic hashes and the marts' column names:

- marts.reconciliation: transfers_vs_balanceof for every wallet-day plus onchain_vs_ledger for
  every client wallet-day (~1.5 rows per wallet-day); 2 % of the locations are in a break that
  opened 0-59 days before the last day, 1 % of the rows are explained by in-transit items;
- marts.reconciliation_breaks: the breaks of the last day (break_id as the mart derives it), with
  in-transit text and a description;
- marts.concentration: every location, custody provider and network per entity and day, against a
  location limit (0.09 % of the entity's total), a provider limit (90 %) and no network limit;
- marts.inventory_health: one row per day, from the three above and inventory_daily;
- audit.closed_periods, audit.period_adjustments, audit.close_events, audit.load_log, audit.files:
  every complete month and quarter closed, ~0.2 % of each month's locations adjusted late, a load
  per source and day.
"""

from __future__ import annotations

import duckdb

D18 = "decimal(38, 18)"

RECONCILIATION = f"""
create or replace table marts.reconciliation as
with

last_day as (select max(as_of_date) as d from marts.inventory_daily),

base as (
    select
        i.as_of_date, i.entity, i.network, i.location_type, i.location_id, i.ownership,
        i.balance, hash(i.location_id, i.as_of_date) as h, hash(i.location_id) as hl, l.d
    from marts.inventory_daily as i, last_day as l
),

pairs as (
    select *, 'transfers_vs_balanceof' as comparison, 'onchain_transfers' as left_source,
        'onchain_balance_of' as right_source
    from base
    union all
    select *, 'onchain_vs_ledger', 'onchain_transfers', 'ledger'
    from base where ownership = 'client'
),

shaped as (
    select
        *,
        case
            when hl % 50 = 0 and as_of_date >= d - cast(hl % 60 as integer) then 'break'
            when h % 100 = 0 then 'explained'
            else 'matched'
        end as status,
        cast(cast(h % 100000 as decimal(38, 0)) * cast('0.01' as decimal(38, 2)) as {D18})
            as gap
    from pairs
)

select
    as_of_date, entity, network, location_type, location_id, comparison, left_source,
    right_source,
    balance as left_balance,
    cast(balance - case when status = 'matched' then 0 else gap end as {D18}) as right_balance,
    cast(case when status = 'matched' then 0 else gap end as {D18}) as difference,
    cast(case when status = 'explained' then gap else 0 end as {D18}) as explained_in_transit,
    cast(case when status = 'break' then gap else 0 end as {D18}) as unexplained_difference,
    cast(0 as {D18}) as tolerance,
    status,
    case when status = 'break'
        then cast(d - cast(hl % 60 as integer) as timestamptz) end as break_opened_at,
    case when status = 'break' then cast(as_of_date - (d - cast(hl % 60 as integer)) as integer)
    end as break_age_days,
    case when status = 'break' then d - cast(hl % 60 as integer) end as break_opened_date,
    3 as max_break_age_days,
    cast(case when status = 'explained' then 1 else 0 end as bigint) as in_transit_item_count,
    case when status = 'explained' then 'ledger withdrawal of ' || cast(gap as varchar)
        || ' initiated the day before, not yet on chain' end as in_transit_items
from shaped
"""

RECONCILIATION_BREAKS = f"""
create or replace table marts.reconciliation_breaks as
select
    substr(md5(r.comparison || '|' || r.network || '|' || r.location_id || '|'
        || cast(r.break_opened_date as varchar)), 1, 12) as break_id,
    r.comparison, r.entity, r.network, r.location_type, r.location_id,
    i.location_label, i.custody_provider, i.ownership, r.as_of_date,
    r.left_source, r.left_balance, r.right_source, r.right_balance, r.difference,
    r.explained_in_transit, r.unexplained_difference, r.tolerance, r.break_opened_at,
    r.break_opened_date, r.break_age_days, r.max_break_age_days,
    r.break_age_days > r.max_break_age_days as is_overdue,
    r.in_transit_item_count, cast(r.explained_in_transit as {D18}) as in_transit_total,
    r.in_transit_items,
    i.location_label || ': ' || r.left_source || ' says ' || cast(r.left_balance as varchar)
        || ', ' || r.right_source || ' says ' || cast(r.right_balance as varchar)
        || ' since ' || cast(r.break_opened_date as varchar)
        || '; find the missing movement and correct the record that is wrong.' as description
from marts.reconciliation as r
inner join marts.inventory_daily as i
    on r.as_of_date = i.as_of_date and r.network = i.network and r.location_id = i.location_id
where r.status = 'break' and r.as_of_date = (select max(as_of_date) from marts.reconciliation)
"""

# share = balance / total with 12 exact decimals, in integers (no DOUBLE)
_SHARE = (
    "cast(cast(cast(balance * 1000000 as hugeint) * 1000000000000 "
    "// nullif(cast(total_balance * 1000000 as hugeint), 0) as decimal(38, 0)) "
    f"* cast('0.000000000001' as decimal(38, 12)) as {D18})"
)

CONCENTRATION = f"""
create or replace table marts.concentration as
with

exposures as (
    select as_of_date, entity, 'location' as dimension, location_id as dimension_value,
        location_type, sum(balance) as balance
    from marts.inventory_daily group by all
    union all
    select as_of_date, entity, 'custody_provider', custody_provider, null, sum(balance)
    from marts.inventory_daily group by all
    union all
    select as_of_date, entity, 'network', network, null, sum(balance)
    from marts.inventory_daily group by all
),

totals as (
    select as_of_date, entity, sum(balance) as total_balance
    from marts.inventory_daily group by all
),

limited as (
    select
        e.*, t.total_balance,
        case e.dimension when 'location' then cast('0.0009' as {D18})
            when 'custody_provider' then cast('0.9' as {D18}) end as limit_share
    from exposures as e inner join totals as t using (as_of_date, entity)
)

select
    as_of_date, entity, dimension, dimension_value, location_type,
    cast(balance as {D18}) as balance, cast(total_balance as {D18}) as total_balance,
    {_SHARE} as share, limit_share,
    cast(total_balance * cast(limit_share as decimal(38, 4)) as {D18}) as limit_amount,
    case when limit_share is not null then 'default' end as limit_source,
    cast(total_balance * cast(limit_share as decimal(38, 4)) - balance as {D18}) as headroom,
    case when limit_share is null then 'no_limit'
        when balance > total_balance * cast(limit_share as decimal(38, 4)) then 'breach'
        else 'within_limit' end as status
from limited
"""

INVENTORY_HEALTH = f"""
create or replace table marts.inventory_health as
with

inventory as (
    select as_of_date, cast(sum(available) as {D18}) as available_total,
        cast(sum(balance) as {D18}) as balance_total,
        cast(sum(balance) filter (where ownership = 'client') as {D18}) as client_balance_total,
        cast(sum(pending_in) as {D18}) as pending_in_total,
        cast(sum(pending_out) as {D18}) as pending_out_total
    from marts.inventory_daily group by all
),

breaks as (
    select as_of_date, count(*) filter (where status = 'break') as open_break_count,
        max(break_age_days) as oldest_break_age_days,
        cast(coalesce(sum(abs(unexplained_difference)) filter (where status = 'break'), 0)
            as {D18}) as unexplained_break_amount,
        count(*) filter (where status = 'explained') as in_transit_count
    from marts.reconciliation group by all
),

concentration as (
    select as_of_date, count(*) filter (where status = 'breach') as concentration_breach_count,
        max(share) filter (where limit_share is not null) as max_concentration_share,
        max(share) filter (where dimension = 'location') as max_location_share
    from marts.concentration group by all
)

select
    i.as_of_date, b.open_break_count, b.oldest_break_age_days, b.unexplained_break_amount,
    c.concentration_breach_count, c.max_concentration_share, c.max_location_share,
    b.in_transit_count, b.in_transit_count as settled_in_transit_count,
    cast(600 as decimal(38, 1)) as median_transfer_latency_seconds,
    3600 as max_transfer_latency_seconds,
    cast(i.client_balance_total * cast('0.2' as decimal(38, 1)) as {D18}) as shock_amount,
    i.available_total,
    cast(null as {D18}) as stress_capacity_ratio,
    cast(greatest(i.client_balance_total * cast('0.2' as decimal(38, 1)) - i.available_total, 0)
        as {D18}) as stress_shortfall,
    case when i.available_total < i.client_balance_total * cast('0.2' as decimal(38, 1))
        then 'short' else 'ok' end as stress_status,
    i.client_balance_total, cast(0 as {D18}) as unknown_control_balance,
    cast(0 as bigint) as unknown_control_location_count, i.balance_total, i.pending_in_total,
    i.pending_out_total, cast(null as {D18}) as pending_share,
    case when b.open_break_count > 0 or c.concentration_breach_count > 0 then 'warn' else 'ok'
    end as health_status,
    concat_ws('; ',
        case when b.open_break_count > 0 then 'open_break_count '
            || b.open_break_count || ' > warn 0' end,
        case when c.concentration_breach_count > 0 then 'concentration_breach_count '
            || c.concentration_breach_count || ' > warn 0' end) as health_reasons
from inventory as i
left join breaks as b using (as_of_date)
left join concentration as c using (as_of_date)
"""

CLOSED_PERIODS = """
create or replace table audit.closed_periods as
select distinct
    period, period_type, period_start_date, period_end_date, 'closed' as status,
    cast(period_end_date + 3 as timestamptz) as closed_at, 'controller@acme' as closed_by,
    'bench-close-' || period as run_id, sha256(period) as content_hash,
    cast(null as timestamptz) as reopened_at, cast(null as varchar) as reopen_reason
from marts.inventory_rollforward
where is_period_complete
"""

PERIOD_ADJUSTMENTS = f"""
create or replace table audit.period_adjustments as
select
    strftime(period_end_date + 1, '%Y-%m') as adjustment_period, period as closed_period, entity,
    network, location_id, 'closing_balance' as comparison_or_measure,
    closing_balance as closed_value,
    cast(closing_balance + cast(hash(location_id, period) % 1000 as {D18}) as {D18})
        as live_value,
    cast(cast(hash(location_id, period) % 1000 as {D18}) as {D18}) as adjustment,
    cast(period_end_date + 5 as timestamptz) as detected_at,
    'late transfer log for ' || cast(period_end_date as varchar) || ' found after the close'
        as explanation
from marts.inventory_rollforward
where is_period_complete and period_type = 'month' and hash(location_id, period) % 500 = 0
"""

CLOSE_EVENTS = """
create or replace table audit.close_events as
select closed_at as event_at, period, 'close' as event, closed_by as actor, run_id,
    'closed with content hash ' || content_hash as note
from audit.closed_periods
"""

LOAD_LOG = """
create or replace table audit.load_log as
select
    row_number() over () as load_seq, 'bench-' || source || '-' || d as load_id, source,
    cast(cast(d as timestamptz) + interval 6 hour as timestamptz) as finished_at,
    case when hash(source, d) % 50 = 0 then 'quarantined'
        when source = 'onchain' then 'success' else 'loaded' end as status
from (select distinct as_of_date as d from marts.inventory_daily),
    (values ('onchain'), ('file:custodian'), ('file:exchange'), ('file:ledger'),
        ('file:prices')) as s(source)
"""

FILES = """
create or replace table audit.files as
select
    source, kind, case when hash(source, d) % 50 = 0 then 'quarantined' else 'loaded' end
        as status,
    cast(cast(d as timestamptz) + interval 6 hour as timestamptz) as loaded_at
from (select distinct as_of_date as d from marts.inventory_daily),
    (values ('fireblocks', 'custodian'), ('kraken-trading', 'exchange'), ('ledger', 'ledger'),
        ('coingecko', 'prices')) as s(source, kind)
"""

# in dependency order: health reads reconciliation and concentration
TABLES = {
    "marts.reconciliation": RECONCILIATION,
    "marts.reconciliation_breaks": RECONCILIATION_BREAKS,
    "marts.concentration": CONCENTRATION,
    "marts.inventory_health": INVENTORY_HEALTH,
    "audit.closed_periods": CLOSED_PERIODS,
    "audit.period_adjustments": PERIOD_ADJUSTMENTS,
    "audit.close_events": CLOSE_EVENTS,
    "audit.load_log": LOAD_LOG,
    "audit.files": FILES,
}


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    schema, name = table.split(".")
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()[0]
    return con.execute(f"select count(*) from {table}").fetchone()[0] if exists else None


def fill_missing_tables(snapshot: str) -> dict[str, dict[str, int | bool]]:
    """Write the synthetic tables the snapshot lacks (missing or empty); return, per page
    table, its rows and whether they are synthetic."""
    con = duckdb.connect(snapshot)
    try:
        con.execute("create schema if not exists audit")
        out = {}
        for table, sql in TABLES.items():
            synthetic = not _rows(con, table)
            if synthetic:
                con.execute(sql)
            out[table] = {"rows": _rows(con, table), "synthetic": synthetic}
        con.execute("checkpoint")
        return out
    finally:
        con.close()
