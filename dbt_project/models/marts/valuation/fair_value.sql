{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['period']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ mart_delete_from_cut(where_sql=
            'period_end_date >= {cut} or period not in (select period from '
            ~ ref('int_valuation__period_ends') ~ ')'
        ) }}",
        post_hook="{{ mart_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__mart_cuts') }}
{%- set cut = mart_cut_date() %}
{#
    What the USD1 held is worth at each period end, and how it is measured. Grain: period ×
    entity × ownership × asset (a month and the quarter it closes share a period_end_date, so
    the key names the period; asset is in the key for when more than one token is priced).

    - units: closing token units from inventory_rollforward, summed over networks and
      locations (registry wallets, custodian and exchange accounts).
    - price: int_valuation__daily_prices at the period's as-of day (the period end, or the last
      reported day of a running period): the principal market's last price at or before the
      end of that local day, else the next configured source's. price_status says 'priced',
      'missing' (prices of the asset are loaded, none at or before the day) or
      'no_prices_loaded' (no price file of the asset has been loaded at all).
    - fair_value_usd = units × price, half-even to 0.000001 USD (round_usd).
    - measurement_basis and policy_note: int_valuation__period_policies.
    - cost: the entity's cost per unit after the last pool event on or before the as-of day ×
      units, half-even. The pool is the entity's cost method (int_valuation__cost_basis):
      moving weighted average (int_valuation__cost_pool, the default) or first-in-first-out by
      acquisition lot (int_valuation__fifo_pool, valuation.cost_method: fifo).
    - carrying_amount_usd: fair_value -> fair value; cash_equivalent -> units at par
      (1.000000); cost_less_impairment -> cost basis less the accumulated impairment, which is
      carried forward and never reversed (int_valuation__lot_impairment: each lot at the lowest
      of its cost and every month-end price since its acquisition).
    - realized_gain_loss_usd: conversions USD1 -> USD on exchanges dated in the period, against
      the cost the method gives the units sold.
    - client-owned holdings: units, price and fair value only; cost, carrying amount and gains
      are NULL (not the operator's assets), holding_note says so.

    Incremental (macros/mart_cuts.sql): the periods whose period_end_date is on or after the
    cut day of int_inventory__mart_cuts (and any period no longer reported) are deleted and
    measured again; the inputs are read for those periods only (cost pool events up to their
    latest as-of day, conversions from their earliest start). A period that ends before the
    cut keeps its rows: its units, as-of day, prices, cost pool events, conversions and lot
    impairment all date on or before its end, and any change to those moves the cut to that
    day or earlier; a configuration change (policies, cost methods, price sources, vars)
    rebuilds everything.
-#}
{#- the measured periods' earliest start and latest as-of day, as literals so that the scans
    of the cost pool skip the row groups outside them (none when everything is rebuilt; a
    date no event passes when no period is measured) -#}
{%- set measured_periods_sql = (
    " from " ~ ref('int_valuation__period_ends')
    ~ " where period_end_date >= cast('" ~ cut ~ "' as date)"
) %}
{%- set events_from = (
    inventory_query_date("select cast(min(period_start_date) as string)" ~ measured_periods_sql)
    or '9999-12-31'
) if cut is not none else none %}
{%- set events_through = (
    inventory_query_date("select cast(max(as_of_date) as string)" ~ measured_periods_sql)
    or '0001-01-01'
) if cut is not none else none %}

with

rollforward as (

    select * from {{ ref('inventory_rollforward') }}
    where {{ mart_in_cut('period_end_date', cut) }}

),

-- the periods to measure (all of them when everything is rebuilt)
period_ends as (

    select * from {{ ref('int_valuation__period_ends') }}
    where {{ mart_in_cut('period_end_date', cut) }}

),

daily_prices as (

    select * from {{ ref('int_valuation__daily_prices') }}
    where as_of_date in (select period_ends.as_of_date from period_ends)

),

policies as (

    select * from {{ ref('int_valuation__period_policies') }}
    where period in (select period_ends.period from period_ends)

),

-- the pool events up to the latest as-of day of the periods measured (two reads of the
-- pool, not one shared CTE: DuckDB would materialise all its columns for both)
cost_pool as (

    select
        entity,
        asset,
        event_date,
        event_sequence,
        average_cost_per_unit

    from {{ ref('int_valuation__cost_basis') }}
    {%- if events_through is not none %}
    where event_date <= cast('{{ events_through }}' as date)
    {%- endif %}

),

-- the conversions from the earliest start to the latest as-of day of the periods measured
conversions as (

    select
        entity,
        asset,
        event_date,
        realized_gain_loss_usd

    from {{ ref('int_valuation__cost_basis') }}
    where
        event_kind = 'conversion'
        {%- if events_from is not none %}
        and event_date >= cast('{{ events_from }}' as date)
        and event_date <= cast('{{ events_through }}' as date)
        {%- endif %}

),

cost_methods as (

    select * from {{ ref('stg_prices__cost_methods') }}

),

lot_impairment as (

    select * from {{ ref('int_valuation__lot_impairment') }}
    where period in (select period_ends.period from period_ends)

),

-- assets with any price loaded from any source: a period end without a price is 'missing'
-- for them, 'no_prices_loaded' for an asset whose price files have not arrived at all
loaded_price_assets as (

    select distinct asset from {{ ref('stg_prices__prices') }}

),

holdings as (

    select
        period,
        entity,
        ownership,
        asset,
        cast(sum(closing_balance) as decimal(38, 18)) as units

    from rollforward
    group by period, entity, ownership, asset

),

with_period as (

    select
        holdings.period,
        period_ends.period_type,
        period_ends.period_start_date,
        period_ends.period_end_date,
        period_ends.as_of_date,
        period_ends.is_period_complete,
        holdings.entity,
        holdings.ownership,
        holdings.asset,
        holdings.units

    from holdings

    inner join period_ends
        on holdings.period = period_ends.period

),

period_pools as (

    select distinct
        period,
        period_start_date,
        as_of_date,
        entity,
        asset

    from with_period

),

-- each pool after its last event of a day (an aggregate: no window over the history)
pool_days as (

    select
        entity,
        asset,
        event_date,
        {{ arg_max_keep_null('average_cost_per_unit', 'event_sequence') }} as average_cost_per_unit

    from cost_pool
    group by entity, asset, event_date

),

{{ asof_keys(
    'pool_at_end_keys', 'period_pools', 'pool_days', ['entity', 'asset'],
    'as_of_date', '>=', 'event_date'
) }}
-- the pool after its last event on or before each period's as-of day (ASOF: one sort-merge)
pool_at_end as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        pool_days.average_cost_per_unit

    from period_pools

    {{ asof_join(
        'inner', 'period_pools', 'pool_days', ['entity', 'asset'],
        'as_of_date', '>=', 'event_date', 'pool_at_end_keys'
    ) }}

),

-- the realised gains of the conversions per pool and day
conversion_days as (

    select
        entity,
        asset,
        event_date,
        sum(realized_gain_loss_usd) as realized_gain_loss_usd

    from conversions
    group by entity, asset, event_date

),

realized as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        cast(sum(conversion_days.realized_gain_loss_usd) as decimal(38, 6))
            as realized_gain_loss_usd

    from period_pools

    inner join conversion_days
        on
            period_pools.entity = conversion_days.entity
            and period_pools.asset = conversion_days.asset
            and period_pools.period_start_date <= conversion_days.event_date
            and period_pools.as_of_date >= conversion_days.event_date

    group by period_pools.period, period_pools.entity, period_pools.asset

),

measured as (

    select
        with_period.*,
        daily_prices.price_usd,
        daily_prices.price_source,
        daily_prices.price_observed_at,
        daily_prices.price_convention,
        daily_prices.is_principal_source,
        case
            when daily_prices.price_usd is not null then 'priced'
            when loaded_price_assets.asset is null then 'no_prices_loaded'
            else 'missing'
        end as price_status,
        {{ round_usd('with_period.units * daily_prices.price_usd') }} as fair_value_usd,
        cast(
            (daily_prices.price_usd - cast(1 as decimal(38, 6))) * 10000 as decimal(38, 2)
        ) as depeg_bps,
        coalesce(policies.measurement_basis, 'fair_value') as measurement_basis,
        policies.policy_effective_date,
        coalesce(
            policies.policy_note, 'No valuation policy configured: fair value (the default).'
        ) as policy_note,
        with_period.ownership = 'operating' as is_measured,
        case when with_period.ownership = 'operating' then pool_at_end.average_cost_per_unit
        end as average_cost_per_unit,
        case
            when with_period.ownership = 'operating'
                then {{ round_usd(
                    'cast(with_period.units as decimal(38, 12))'
                    ~ ' * pool_at_end.average_cost_per_unit'
                ) }}
        end as cost_basis_usd,
        case
            when with_period.ownership = 'operating'
                then coalesce(realized.realized_gain_loss_usd, cast(0 as decimal(38, 6)))
        end as realized_gain_loss_usd,
        case
            when with_period.ownership = 'operating'
                then coalesce(cost_methods.cost_method, 'weighted_average')
        end as cost_method,
        coalesce(lot_impairment.accumulated_impairment_usd, cast(0 as decimal(38, 6)))
            as lot_accumulated_impairment_usd,
        coalesce(lot_impairment.impairment_loss_usd, cast(0 as decimal(38, 6)))
            as lot_impairment_loss_usd

    from with_period

    left join daily_prices
        on
            with_period.asset = daily_prices.asset
            and with_period.as_of_date = daily_prices.as_of_date

    left join policies
        on
            with_period.period = policies.period
            and with_period.entity = policies.entity
            and with_period.asset = policies.asset

    left join pool_at_end
        on
            with_period.period = pool_at_end.period
            and with_period.entity = pool_at_end.entity
            and with_period.asset = pool_at_end.asset

    left join realized
        on
            with_period.period = realized.period
            and with_period.entity = realized.entity
            and with_period.asset = realized.asset

    left join loaded_price_assets
        on with_period.asset = loaded_price_assets.asset

    left join cost_methods
        on with_period.entity = cost_methods.entity

    left join lot_impairment
        on
            with_period.period = lot_impairment.period
            and with_period.entity = lot_impairment.entity
            and with_period.asset = lot_impairment.asset

),

-- cost_less_impairment: the carried-forward write-down, at most the cost basis
impaired as (

    select
        *,
        case
            when is_measured and measurement_basis = 'cost_less_impairment'
                then cast(
                        least(lot_accumulated_impairment_usd, cost_basis_usd) as decimal(38, 6)
                    )
        end as accumulated_impairment_usd,
        case
            when is_measured and measurement_basis = 'cost_less_impairment'
                then cast(
                        least(lot_impairment_loss_usd, cost_basis_usd) as decimal(38, 6)
                    )
        end as impairment_loss_usd

    from measured

),

final as (

    select
        period,
        period_type,
        period_start_date,
        period_end_date,
        as_of_date,
        is_period_complete,
        entity,
        ownership,
        asset,
        units,
        price_usd,
        price_source,
        price_observed_at,
        price_convention,
        is_principal_source,
        price_status,
        fair_value_usd,
        depeg_bps,
        measurement_basis,
        policy_effective_date,
        policy_note,
        is_measured,
        cost_method,
        average_cost_per_unit,
        cost_basis_usd,
        accumulated_impairment_usd as impairment_usd,
        impairment_loss_usd,
        accumulated_impairment_usd,
        case
            when not is_measured then cast(null as decimal(38, 6))
            when measurement_basis = 'fair_value' then fair_value_usd
            when measurement_basis = 'cash_equivalent'
                then {{ round_usd('units * cast(1 as decimal(38, 6))') }}
            when measurement_basis = 'cost_less_impairment'
                then cast(cost_basis_usd - accumulated_impairment_usd as decimal(38, 6))
        end as carrying_amount_usd,
        realized_gain_loss_usd,
        case
            when is_measured and measurement_basis = 'fair_value'
                then cast(fair_value_usd - cost_basis_usd as decimal(38, 6))
        end as unrealized_gain_loss_usd,
        case
            when not is_measured
                then 'Client-owned: held for clients, shown at fair value; not measured into '
                    || 'the operator''s cost, carrying amount or gains (those columns are null).'
            else ''
        end as holding_note

    from impaired

)

select * from final
