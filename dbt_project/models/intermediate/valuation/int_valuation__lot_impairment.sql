{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['period']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ mart_delete_from_cut(where_sql='period not in (select kept_periods.period from '
            ~ ref('int_valuation__period_ends')
            ~ ' as kept_periods where kept_periods.period_end_date < {cut})') }}",
        post_hook="{{ mart_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__mart_cuts') }}
{%- set cut = mart_cut_date() %}
{#
    Impairment of the operating cost pool for the cost_less_impairment basis, carried forward:
    under US GAAP an impairment loss on an intangible asset is never reversed. Grain: period ×
    entity × asset (periods of int_valuation__period_ends), for the periods whose measurement
    basis (int_valuation__period_policies) is cost_less_impairment; fair_value reads it for
    those only.

    Tested per acquisition lot (int_valuation__fifo_lots; the lots leave first-in-first-out):
    a lot's carrying amount per unit at a period's as-of day is the lowest of its unit cost and
    every month-end price (the as-of days of the month periods, int_valuation__daily_prices)
    from its acquisition day to that day. A later recovery of the price does not lift it.
    The unit cost is the lot's own under fifo; under weighted_average every unit costs the
    pool's average at the as-of day (int_valuation__cost_basis), the lots only date the units.

    - accumulated_impairment_usd = Σ over the lots still held at the as-of day of
      remaining units × (unit cost − carrying per unit), half-even to 0.000001 USD per lot;
    - impairment_loss_usd = the part recognised in this period: Σ remaining units × (carrying
      per unit before the period − carrying per unit now), where "before" is the lowest price
      up to the day before period_start_date (the unit cost for a lot acquired in the period).

    No window over the events: the pool and its consumed position at an as-of day are found by
    ASOF joins on (local day, event_sequence) as one BIGINT, over the events from the earliest
    as-of day built plus each pool's last event before it; the lowest price since a lot's
    acquisition is an ASOF lookup of the per-period suffix minimum of the month-end prices from
    the first month end on or after the acquisition day.

    Incremental (macros/mart_cuts.sql): only the periods ending on or after the cut day are
    deleted and built again (with any period no longer in int_valuation__period_ends); an
    earlier period's as-of day, events, lots and prices all lie before the cut.
-#}

with

period_ends as (

    select * from {{ ref('int_valuation__period_ends') }}

),

daily_prices as (

    select * from {{ ref('int_valuation__daily_prices') }}

),

-- the periods to build
periods as (

    select
        period,
        period_start_date,
        as_of_date,
        cast(
            {{ days_between("cast('1970-01-01' as date)", 'as_of_date') }} as bigint
        ) * 1000000000000 + 999999999999 as as_of_key

    from period_ends
    where {{ mart_in_cut('period_end_date', cut) }}

),

first_as_of as (

    select min(as_of_date) as as_of_date from periods

),

-- each pool's last event before the earliest as-of day built
basis_before as (

    select
        cost_basis.entity,
        cost_basis.asset,
        max(cost_basis.event_sequence) as event_sequence

    from {{ ref('int_valuation__cost_basis') }} as cost_basis

    cross join first_as_of

    where cost_basis.event_date < first_as_of.as_of_date
    group by cost_basis.entity, cost_basis.asset

),

-- the events a pool can stand at on an as-of day built: that one and those from the day on
basis_events as (

    select
        cost_basis.entity,
        cost_basis.asset,
        cost_basis.cost_method,
        cost_basis.average_cost_per_unit,
        cast(
            {{ days_between("cast('1970-01-01' as date)", 'cost_basis.event_date') }} as bigint
        ) * 1000000000000 + cost_basis.event_sequence as event_key

    from {{ ref('int_valuation__cost_basis') }} as cost_basis

    cross join first_as_of

    left join basis_before
        on
            cost_basis.entity = basis_before.entity
            and cost_basis.asset = basis_before.asset

    where
        cost_basis.event_date >= first_as_of.as_of_date
        or cost_basis.event_sequence = basis_before.event_sequence

),

pools as (

    select distinct
        entity,
        asset

    from basis_events

),

-- the periods × pools measured at cost less impairment: no other basis reads the impairment
-- (fair_value), and a period's figures never depend on another period's rows
period_pools as (

    select
        periods.period,
        periods.as_of_key,
        pools.entity,
        pools.asset

    from periods

    cross join pools

    inner join {{ ref('int_valuation__period_policies') }} as policies
        on
            periods.period = policies.period
            and pools.entity = policies.entity
            and pools.asset = policies.asset

    where policies.measurement_basis = 'cost_less_impairment'

),

{{ asof_keys(
    'pool_at_period_keys', 'period_pools', 'basis_events', ['entity', 'asset'],
    'as_of_key', '>=', 'event_key'
) }}
-- the pool at each period's as-of day: after its last event on or before the day (ASOF on
-- day × 10^12 + event_sequence: one sort-merge, no window over the events)
pool_at_period as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        basis_events.cost_method,
        basis_events.average_cost_per_unit

    from period_pools

    {{ asof_join(
        'inner', 'period_pools', 'basis_events', ['entity', 'asset'],
        'as_of_key', '>=', 'event_key', 'pool_at_period_keys'
    ) }}

),

-- how far the lots are consumed: the same lookup on int_valuation__fifo_lots
positions_before as (

    select
        positions.entity,
        positions.asset,
        max(positions.event_sequence) as event_sequence

    from {{ ref('int_valuation__fifo_lots') }} as positions

    cross join first_as_of

    where positions.event_date < first_as_of.as_of_date
    group by positions.entity, positions.asset

),

position_events as (

    select
        positions.entity,
        positions.asset,
        positions.consumed_position,
        positions.units_held,
        cast(
            {{ days_between("cast('1970-01-01' as date)", 'positions.event_date') }} as bigint
        ) * 1000000000000 + positions.event_sequence as event_key

    from {{ ref('int_valuation__fifo_lots') }} as positions

    cross join first_as_of

    left join positions_before
        on
            positions.entity = positions_before.entity
            and positions.asset = positions_before.asset

    where
        positions.event_date >= first_as_of.as_of_date
        or positions.event_sequence = positions_before.event_sequence

),

{{ asof_keys(
    'consumed_at_period_keys', 'period_pools', 'position_events', ['entity', 'asset'],
    'as_of_key', '>=', 'event_key'
) }}
consumed_at_period as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        position_events.consumed_position,
        position_events.units_held

    from period_pools

    {{ asof_join(
        'inner', 'period_pools', 'position_events', ['entity', 'asset'],
        'as_of_key', '>=', 'event_key', 'consumed_at_period_keys'
    ) }}

),

test_prices as (

    select distinct
        daily_prices.asset,
        daily_prices.as_of_date as test_date,
        daily_prices.price_usd

    from daily_prices

    inner join period_ends
        on
            daily_prices.as_of_date = period_ends.as_of_date
            and period_ends.period_type = 'month'

),

-- the highest unit cost of each pool's lots: under fifo no lot is impaired by a price above it
lot_cost_ceilings as (

    select
        entity,
        asset,
        max(lot_unit_cost_usd) as highest_lot_unit_cost_usd

    from {{ ref('int_valuation__fifo_lots') }}
    where event_kind = 'acquisition' and quantity > 0
    group by entity, asset

),

-- per period × pool: the last test day on or before the as-of day that can impair a lot (a
-- price below the pool's average cost, or under fifo below its highest lot unit cost); a lot
-- acquired after it is carried at cost (no test price since its acquisition is lower)
impairing_days as (

    select
        pool_at_period.period,
        pool_at_period.entity,
        pool_at_period.asset,
        max(test_prices.test_date) as last_impairing_date

    from pool_at_period

    inner join periods
        on pool_at_period.period = periods.period

    inner join test_prices
        on
            pool_at_period.asset = test_prices.asset
            and periods.as_of_date >= test_prices.test_date

    left join lot_cost_ceilings
        on
            pool_at_period.entity = lot_cost_ceilings.entity
            and pool_at_period.asset = lot_cost_ceilings.asset

    where
        test_prices.price_usd < case
            when pool_at_period.cost_method = 'fifo'
                then lot_cost_ceilings.highest_lot_unit_cost_usd
            else pool_at_period.average_cost_per_unit
        end

    group by pool_at_period.period, pool_at_period.entity, pool_at_period.asset

),

-- the lots still held at each as-of day that can be impaired: acquired on or before the last
-- impairing test day, ending after the consumed position (first-in-first-out)
held as (

    select
        periods.period,
        periods.period_start_date,
        periods.as_of_date,
        lots.entity,
        lots.asset,
        lots.event_sequence as lot_sequence,
        lots.event_date as acquired_date,
        case
            when pool_at_period.cost_method = 'fifo' then lots.lot_unit_cost_usd
            else pool_at_period.average_cost_per_unit
        end as lot_unit_cost_usd,
        lots.quantity - least(
            greatest(consumed_at_period.consumed_position - lots.lot_start, 0), lots.quantity
        ) as remaining_quantity

    from consumed_at_period

    inner join periods
        on consumed_at_period.period = periods.period

    inner join pool_at_period
        on
            consumed_at_period.period = pool_at_period.period
            and consumed_at_period.entity = pool_at_period.entity
            and consumed_at_period.asset = pool_at_period.asset

    inner join impairing_days
        on
            consumed_at_period.period = impairing_days.period
            and consumed_at_period.entity = impairing_days.entity
            and consumed_at_period.asset = impairing_days.asset

    inner join {{ ref('int_valuation__fifo_lots') }} as lots
        on
            consumed_at_period.entity = lots.entity
            and consumed_at_period.asset = lots.asset
            and impairing_days.last_impairing_date >= lots.event_date
            and consumed_at_period.consumed_position < lots.lot_start + lots.quantity

    where lots.event_kind = 'acquisition' and lots.quantity > 0

),

-- per period: the lowest test price from each test day to the as-of day (a suffix minimum),
-- and the same over the test days before the period starts
period_lows as (

    select
        periods.period,
        test_prices.asset,
        test_prices.test_date,
        min(test_prices.price_usd) over (
            partition by periods.period, test_prices.asset
            order by test_prices.test_date desc
            rows between unbounded preceding and current row
        ) as lowest_price_usd

    from periods

    inner join test_prices
        on periods.as_of_date >= test_prices.test_date

),

period_lows_before as (

    select
        periods.period,
        test_prices.asset,
        test_prices.test_date,
        min(test_prices.price_usd) over (
            partition by periods.period, test_prices.asset
            order by test_prices.test_date desc
            rows between unbounded preceding and current row
        ) as lowest_price_before_usd

    from periods

    inner join test_prices
        on
            periods.as_of_date >= test_prices.test_date
            and periods.period_start_date > test_prices.test_date

),

{{ asof_keys(
    'lowest_now_keys', 'held', 'period_lows', ['period', 'asset'],
    'acquired_date', '<=', 'test_date'
) }}
-- the lowest test price from the acquisition day: the suffix minimum at the first test day
-- on or after it (ASOF)
lowest_now as (

    select
        held.*,
        period_lows.lowest_price_usd

    from held

    {{ asof_join(
        'left', 'held', 'period_lows', ['period', 'asset'],
        'acquired_date', '<=', 'test_date', 'lowest_now_keys'
    ) }}

),

{{ asof_keys(
    'lowest_keys', 'lowest_now', 'period_lows_before', ['period', 'asset'],
    'acquired_date', '<=', 'test_date'
) }}
lowest as (

    select
        lowest_now.*,
        period_lows_before.lowest_price_before_usd

    from lowest_now

    {{ asof_join(
        'left', 'lowest_now', 'period_lows_before', ['period', 'asset'],
        'acquired_date', '<=', 'test_date', 'lowest_keys'
    ) }}

),

carried as (

    select
        *,
        -- each branch DECIMAL(38,12): DuckDB types a CASE of (38,6) and (38,12) as (38,6)
        case
            when lowest_price_usd < lot_unit_cost_usd
                then cast(lowest_price_usd as decimal(38, 12))
            else lot_unit_cost_usd
        end as carrying_per_unit_usd,
        case
            when lowest_price_before_usd < lot_unit_cost_usd
                then cast(lowest_price_before_usd as decimal(38, 12))
            else lot_unit_cost_usd
        end as carrying_per_unit_before_usd

    from lowest

),

impairments as (

    select
        period,
        entity,
        asset,
        sum({{ round_usd(
            'cast(remaining_quantity as decimal(38, 12))'
            ~ ' * (lot_unit_cost_usd - carrying_per_unit_usd)'
        ) }}) as accumulated_impairment_usd,
        sum({{ round_usd(
            'cast(remaining_quantity as decimal(38, 12))'
            ~ ' * (carrying_per_unit_before_usd - carrying_per_unit_usd)'
        ) }}) as impairment_loss_usd

    from carried
    group by period, entity, asset

),

-- the units of the lots still held = the units held at the as-of day (the lots tile the
-- acquired axis, consumed from the front); a lot not impaired adds zero to both sums
final as (

    select
        consumed_at_period.period,
        consumed_at_period.entity,
        consumed_at_period.asset,
        cast(consumed_at_period.units_held as decimal(38, 18)) as lot_units,
        cast(
            coalesce(impairments.accumulated_impairment_usd, 0) as decimal(38, 6)
        ) as accumulated_impairment_usd,
        cast(
            coalesce(impairments.impairment_loss_usd, 0) as decimal(38, 6)
        ) as impairment_loss_usd

    from consumed_at_period

    left join impairments
        on
            consumed_at_period.period = impairments.period
            and consumed_at_period.entity = impairments.entity
            and consumed_at_period.asset = impairments.asset

    where consumed_at_period.units_held > 0

)

select * from final
