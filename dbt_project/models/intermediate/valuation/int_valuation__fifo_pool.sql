{#-
    The first-in-first-out cost pool of each entity × asset, event by event: the same grain,
    events and columns as int_valuation__cost_pool (weighted average), so fair_value reads
    either (int_valuation__cost_basis). Grain: entity × asset × event_sequence.

    Lots and positions come from int_valuation__fifo_lots. What an event has consumed of lot i
    by then = clamp(consumed_position − lot_start, 0, lot quantity); its cost = the whole lot
    cost when the lot is used up, else round_usd(consumed × lot_unit_cost_usd), half-even. So
    the cost leaving a lot over its life adds up to its cost exactly. Summed over the lots, the
    cost consumed through a position is the cost of every lot before the one it falls in plus
    that lot's part: an ASOF lookup of that one lot per position (events × lots compared
    pairwise took more than ten minutes on the 5M-transfer bench).

    - cost_of_units_sold_usd (disposal, conversion): the cost consumed through this event minus
      through the previous one, summed over the lots it touches;
    - realized_gain_loss_usd (conversion): proceeds_usd − cost_of_units_sold_usd;
    - pool_cost_usd: acquired cost so far − cost consumed so far; average_cost_per_unit =
      pool_cost_usd / units_held (half-even, 12 decimals; 0 for an empty pool: no lot left).
-#}

with

positions as (

    select * from {{ ref('int_valuation__fifo_lots') }}

),

lots as (

    select
        entity,
        asset,
        event_sequence as lot_sequence,
        quantity as lot_quantity,
        coalesce(cost_usd, cast(0 as decimal(38, 6))) as lot_cost_usd,
        lot_unit_cost_usd,
        lot_start,
        -- cost of every earlier lot: what is consumed when this lot is reached
        coalesce(
            sum(coalesce(cost_usd, 0)) over (
                partition by entity, asset
                order by event_sequence
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as earlier_lots_cost_usd

    from positions
    where event_kind = 'acquisition' and quantity > 0

),

-- the two ends of what each event has consumed: before it and through it
consumed_ends as (

    select
        entity,
        asset,
        event_sequence,
        'through' as end_kind,
        consumed_position as consumed_to

    from positions

    union all

    select
        entity,
        asset,
        event_sequence,
        'before' as end_kind,
        coalesce(
            lag(consumed_position) over (
                partition by entity, asset order by event_sequence
            ),
            cast(0 as decimal(38, 18))
        ) as consumed_to

    from positions

),

-- the lot a position falls in: the last lot starting below it (ASOF: a sort-merge, where a
-- range join on the lots' intervals would compare every event with every lot)
located as (

    select
        consumed_ends.entity,
        consumed_ends.asset,
        consumed_ends.event_sequence,
        consumed_ends.end_kind,
        lots.lot_quantity,
        lots.lot_cost_usd,
        lots.lot_unit_cost_usd,
        lots.earlier_lots_cost_usd,
        least(consumed_ends.consumed_to - lots.lot_start, lots.lot_quantity) as consumed_in_lot

    from consumed_ends

    asof left join lots
        on
            consumed_ends.entity = lots.entity
            and consumed_ends.asset = lots.asset
            and consumed_ends.consumed_to > lots.lot_start

),

-- cost consumed through a position: all earlier lots, plus the part of its lot (the whole
-- lot cost when the lot is used up, else round_usd(consumed × unit cost), half-even); summed
-- over lots this is what the per-lot rule gives, so a lot's cost leaves it exactly
cumulative_costs as (

    select
        entity,
        asset,
        event_sequence,
        end_kind,
        case
            when lot_quantity is null then cast(0 as decimal(38, 6))
            when consumed_in_lot = lot_quantity then earlier_lots_cost_usd + lot_cost_usd
            else earlier_lots_cost_usd
                + {{ round_usd('cast(consumed_in_lot as decimal(38, 12)) * lot_unit_cost_usd') }}
        end as consumed_cost_usd

    from located

),

sold as (

    select
        entity,
        asset,
        event_sequence,
        cast(
            sum(case when end_kind = 'through' then consumed_cost_usd else 0 end)
            - sum(case when end_kind = 'before' then consumed_cost_usd else 0 end)
            as decimal(38, 6)
        ) as cost_of_units_sold_usd

    from cumulative_costs
    group by entity, asset, event_sequence

),

pooled as (

    select
        positions.*,
        coalesce(sold.cost_of_units_sold_usd, cast(0 as decimal(38, 6)))
            as cost_of_units_sold_usd,
        sum(coalesce(sold.cost_of_units_sold_usd, 0)) over (
            partition by positions.entity, positions.asset
            order by positions.event_sequence
            rows between unbounded preceding and current row
        ) as consumed_cost_usd

    from positions

    left join sold
        on
            positions.entity = sold.entity
            and positions.asset = sold.asset
            and positions.event_sequence = sold.event_sequence

),

final as (

    select
        entity,
        asset,
        event_sequence,
        event_at,
        event_date,
        event_kind,
        quantity,
        cost_usd,
        proceeds_usd,
        event_source,
        event_ref,
        units_held,
        cast(acquired_cost_usd - consumed_cost_usd as decimal(38, 6)) as pool_cost_usd,
        case
            when units_held > 0
                then {{ divide_half_even('acquired_cost_usd - consumed_cost_usd', 'units_held') }}
            else cast(0 as decimal(38, 12))
        end as average_cost_per_unit,
        cast(case
            when event_kind <> 'acquisition' then cost_of_units_sold_usd
        end as decimal(38, 6)) as cost_of_units_sold_usd,
        cast(case
            when event_kind = 'conversion' then proceeds_usd - cost_of_units_sold_usd
        end as decimal(38, 6)) as realized_gain_loss_usd

    from pooled

)

select * from final
