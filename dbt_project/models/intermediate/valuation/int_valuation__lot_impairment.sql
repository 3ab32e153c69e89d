{#-
    Impairment of the operating cost pool for the cost_less_impairment basis, carried forward:
    under US GAAP an impairment loss on an intangible asset is never reversed. Grain: period ×
    entity × asset (periods of int_valuation__period_ends).

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
-#}

with

period_ends as (

    select * from {{ ref('int_valuation__period_ends') }}

),

positions as (

    select * from {{ ref('int_valuation__fifo_lots') }}

),

daily_prices as (

    select * from {{ ref('int_valuation__daily_prices') }}

),

cost_basis as (

    select * from {{ ref('int_valuation__cost_basis') }}

),

-- each pool's state after its last event of a day
pool_days as (

    select
        entity,
        asset,
        event_date,
        cost_method,
        average_cost_per_unit

    from cost_basis
    qualify row_number() over (
            partition by entity, asset, event_date order by event_sequence desc
        ) = 1

),

pools as (

    select distinct
        entity,
        asset

    from pool_days

),

period_pools as (

    select
        period_ends.period,
        period_ends.as_of_date,
        pools.entity,
        pools.asset

    from period_ends

    cross join pools

),

-- the pool at each period's as-of day: its last day with events on or before it (ASOF: one
-- sort-merge, where a range join would pair every period with every earlier event)
pool_at_period as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        pool_days.cost_method,
        pool_days.average_cost_per_unit

    from period_pools

    asof inner join pool_days
        on
            period_pools.entity = pool_days.entity
            and period_pools.asset = pool_days.asset
            and period_pools.as_of_date >= pool_days.event_date

),

-- how far the lots are consumed after the last event of a day, and at each period's as-of day
consumed_days as (

    select
        entity,
        asset,
        event_date,
        consumed_position

    from positions
    qualify row_number() over (
            partition by entity, asset, event_date order by event_sequence desc
        ) = 1

),

consumed_at_period as (

    select
        period_pools.period,
        period_pools.entity,
        period_pools.asset,
        consumed_days.consumed_position

    from period_pools

    asof inner join consumed_days
        on
            period_pools.entity = consumed_days.entity
            and period_pools.asset = consumed_days.asset
            and period_pools.as_of_date >= consumed_days.event_date

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

lots as (

    select
        entity,
        asset,
        event_sequence as lot_sequence,
        event_date as acquired_date,
        quantity as lot_quantity,
        lot_unit_cost_usd,
        lot_start

    from positions
    where event_kind = 'acquisition' and quantity > 0

),

held as (

    select
        period_ends.period,
        period_ends.period_start_date,
        period_ends.as_of_date,
        lots.entity,
        lots.asset,
        lots.lot_sequence,
        lots.acquired_date,
        case
            when pool_at_period.cost_method = 'fifo' then lots.lot_unit_cost_usd
            else pool_at_period.average_cost_per_unit
        end as lot_unit_cost_usd,
        lots.lot_quantity - least(
            greatest(consumed_at_period.consumed_position - lots.lot_start, 0), lots.lot_quantity
        ) as remaining_quantity

    from period_ends

    inner join lots
        on period_ends.as_of_date >= lots.acquired_date

    inner join consumed_at_period
        on
            period_ends.period = consumed_at_period.period
            and lots.entity = consumed_at_period.entity
            and lots.asset = consumed_at_period.asset

    inner join pool_at_period
        on
            period_ends.period = pool_at_period.period
            and lots.entity = pool_at_period.entity
            and lots.asset = pool_at_period.asset

),

lowest as (

    select
        held.period,
        held.entity,
        held.asset,
        held.lot_sequence,
        held.remaining_quantity,
        held.lot_unit_cost_usd,
        min(test_prices.price_usd) as lowest_price_usd,
        min(
            case
                when test_prices.test_date < held.period_start_date then test_prices.price_usd
            end
        ) as lowest_price_before_usd

    from held

    left join test_prices
        on
            held.asset = test_prices.asset
            and held.acquired_date <= test_prices.test_date
            and held.as_of_date >= test_prices.test_date

    where held.remaining_quantity > 0

    group by
        held.period,
        held.entity,
        held.asset,
        held.lot_sequence,
        held.remaining_quantity,
        held.lot_unit_cost_usd

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

final as (

    select
        period,
        entity,
        asset,
        cast(sum(remaining_quantity) as decimal(38, 18)) as lot_units,
        cast(sum({{ round_usd(
            'cast(remaining_quantity as decimal(38, 12))'
            ~ ' * (lot_unit_cost_usd - carrying_per_unit_usd)'
        ) }}) as decimal(38, 6)) as accumulated_impairment_usd,
        cast(sum({{ round_usd(
            'cast(remaining_quantity as decimal(38, 12))'
            ~ ' * (carrying_per_unit_before_usd - carrying_per_unit_usd)'
        ) }}) as decimal(38, 6)) as impairment_loss_usd

    from carried
    group by period, entity, asset

)

select * from final
