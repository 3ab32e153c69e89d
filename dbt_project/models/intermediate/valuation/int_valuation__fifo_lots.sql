{#-
    The acquisition lots of each entity × asset cost pool for first-in-first-out costing, and
    every pool event's position on the lots' axis. Grain: entity × asset × event_sequence (the
    same events, order and sequence as int_valuation__cost_pool).

    The lots are laid end to end in acquisition order: lot i covers [lot_start, lot_end) of the
    cumulative acquired quantity. Disposals and conversions eat the axis from the front:
    consumed_position = acquired so far − units held, where units held never go below zero (an
    outflow of more than the pool holds - units acquired outside its scope - empties it, and
    the excess consumes nothing, as in the weighted-average pool). So an event consumes
    [previous consumed_position, consumed_position), first-in-first-out, without recursion.

    lot_unit_cost_usd = cost / quantity, half-even to 12 decimals (divide_half_even); set on
    acquisitions only.
-#}

with

events as (

    select * from {{ ref('int_valuation__cost_events') }}

),

sequenced as (

    select
        *,
        row_number() over (
            partition by entity, asset
            order by
                event_at,
                case when event_kind = 'acquisition' then 0 else 1 end,
                event_ref
        ) as event_sequence

    from events

),

running as (

    select
        *,
        sum(case when event_kind = 'acquisition' then quantity else -quantity end) over (
            partition by entity, asset
            order by event_sequence
            rows between unbounded preceding and current row
        ) as signed_position,
        sum(case when event_kind = 'acquisition' then quantity else 0 end) over (
            partition by entity, asset
            order by event_sequence
            rows between unbounded preceding and current row
        ) as acquired_position,
        sum(case when event_kind = 'acquisition' then coalesce(cost_usd, 0) else 0 end) over (
            partition by entity, asset
            order by event_sequence
            rows between unbounded preceding and current row
        ) as acquired_cost_usd

    from sequenced

),

-- units held = the signed sum lifted by the deepest shortfall so far (never below zero)
floored as (

    select
        *,
        greatest(
            -min(signed_position) over (
                partition by entity, asset
                order by event_sequence
                rows between unbounded preceding and current row
            ),
            0
        ) as lost_units

    from running

),

final as (

    select
        entity,
        asset,
        cast(event_sequence as bigint) as event_sequence,
        event_at,
        event_date,
        event_kind,
        quantity,
        cost_usd,
        proceeds_usd,
        event_source,
        event_ref,
        cast(signed_position + lost_units as decimal(38, 18)) as units_held,
        cast(acquired_position as decimal(38, 18)) as acquired_position,
        cast(acquired_cost_usd as decimal(38, 6)) as acquired_cost_usd,
        cast(
            acquired_position - (signed_position + lost_units) as decimal(38, 18)
        ) as consumed_position,
        cast(case
            when event_kind = 'acquisition' then acquired_position - quantity
        end as decimal(38, 18)) as lot_start,
        cast(case
            when event_kind = 'acquisition' then acquired_position
        end as decimal(38, 18)) as lot_end,
        case
            when event_kind = 'acquisition' and quantity > 0
                then {{ divide_half_even('coalesce(cost_usd, 0)', 'quantity') }}
        end as lot_unit_cost_usd

    from floored

)

select * from final
