{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['event_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ mart_delete_from_cut('event_date') }}",
        post_hook="{{ mart_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__mart_cuts') }}
{%- set cut = mart_cut_date() %}
{#
    The acquisition lots of each entity × asset cost pool for first-in-first-out costing, and
    every pool event's position on the lots' axis. Grain: entity × asset × event_sequence (the
    same events, order and sequence as int_valuation__cost_pool).

    The lots are laid end to end in acquisition order: lot i covers [lot_start, lot_end) of the
    cumulative acquired quantity. Disposals and conversions eat the axis from the front:
    consumed_position = acquired so far − units held, where units held never go below zero (an
    outflow of more than the pool holds - units acquired outside its scope - empties it, and
    the excess consumes nothing, as in the weighted-average pool). So an event consumes
    [previous consumed_position, consumed_position), first-in-first-out, without recursion.
    units_lost = the deepest shortfall so far (units held = signed sum of the quantities +
    units_lost), kept so that the running sums can continue from a row.

    lot_unit_cost_usd = cost / quantity, half-even to 12 decimals (divide_half_even); set on
    acquisitions only.

    Incremental (macros/mart_cuts.sql): the rows dated from the cut day on are deleted; the
    events from the cut on are numbered after each pool's last kept row and their running sums
    (signed and acquired position, acquired cost, deepest shortfall) continue from it: the same
    rows as a full build, at the cost of the new events (and one group-by over the kept rows).
-#}

with

events as (

    select * from {{ ref('int_valuation__cost_events') }}
    where {{ mart_in_cut('event_date', cut) }}

),

{%- if cut is not none %}

last_kept as (

    select
        entity,
        asset,
        max(event_sequence) as event_sequence

    from {{ this }}
    group by entity, asset

),
{%- endif %}

-- each pool's last row kept from before the cut (none when everything is rebuilt)
kept as (

    {%- if cut is not none %}

    select
        kept_rows.entity,
        kept_rows.asset,
        kept_rows.event_sequence,
        kept_rows.units_held - kept_rows.units_lost as signed_position,
        kept_rows.acquired_position,
        kept_rows.acquired_cost_usd,
        kept_rows.units_lost

    from {{ this }} as kept_rows

    inner join last_kept
        on
            kept_rows.entity = last_kept.entity
            and kept_rows.asset = last_kept.asset
            and kept_rows.event_sequence = last_kept.event_sequence
    {%- else %}

    select
        cast(null as string) as entity,
        cast(null as string) as asset,
        cast(null as bigint) as event_sequence,
        cast(null as decimal(38, 18)) as signed_position,
        cast(null as decimal(38, 18)) as acquired_position,
        cast(null as decimal(38, 6)) as acquired_cost_usd,
        cast(null as decimal(38, 18)) as units_lost

    where false
    {%- endif %}

),

sequenced as (

    select
        events.*,
        coalesce(kept.event_sequence, 0) + row_number() over (
            partition by events.entity, events.asset
            order by
                events.event_at,
                case when events.event_kind = 'acquisition' then 0 else 1 end,
                events.event_ref
        ) as event_sequence,
        coalesce(kept.signed_position, 0) as kept_signed_position,
        coalesce(kept.acquired_position, 0) as kept_acquired_position,
        coalesce(kept.acquired_cost_usd, 0) as kept_acquired_cost_usd,
        coalesce(kept.units_lost, 0) as kept_units_lost

    from events

    left join kept
        on
            events.entity = kept.entity
            and events.asset = kept.asset

),

running as (

    select
        *,
        kept_signed_position + sum(
            case when event_kind = 'acquisition' then quantity else -quantity end
        ) over (
            partition by entity, asset
            order by event_sequence
            rows between unbounded preceding and current row
        ) as signed_position,
        kept_acquired_position + sum(
            case when event_kind = 'acquisition' then quantity else 0 end
        ) over (
            partition by entity, asset
            order by event_sequence
            rows between unbounded preceding and current row
        ) as acquired_position,
        kept_acquired_cost_usd + sum(
            case when event_kind = 'acquisition' then coalesce(cost_usd, 0) else 0 end
        ) over (
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
            kept_units_lost
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
        end as lot_unit_cost_usd,
        cast(lost_units as decimal(38, 18)) as units_lost

    from floored

)

select * from final
