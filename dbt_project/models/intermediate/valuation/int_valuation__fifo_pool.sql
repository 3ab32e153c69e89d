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
    The first-in-first-out cost pool of each entity × asset, event by event: the same grain,
    events and columns as int_valuation__cost_pool (weighted average), so fair_value reads
    either (int_valuation__cost_basis). Grain: entity × asset × event_sequence.

    Lots and positions come from int_valuation__fifo_lots. What an event has consumed of lot i
    by then = clamp(consumed_position − lot_start, 0, lot quantity); its cost = the whole lot
    cost when the lot is used up, else round_usd(consumed × lot_unit_cost_usd), half-even. So
    the cost leaving a lot over its life adds up to its cost exactly. Summed over the lots, the
    cost consumed through a position is the cost of every lot before the one it falls in
    (acquired_cost_usd of the lot's row less its own cost) plus that lot's part: an ASOF
    lookup of that one lot per position (events × lots compared pairwise took more than ten
    minutes on the 5M-transfer bench).

    - cost_of_units_sold_usd (disposal, conversion): the cost consumed through this event minus
      through the previous one, summed over the lots it touches;
    - realized_gain_loss_usd (conversion): proceeds_usd − cost_of_units_sold_usd;
    - pool_cost_usd: acquired cost so far − cost consumed through the event's consumed_position
      (the sum of the costs of units sold so far); average_cost_per_unit = pool_cost_usd /
      units_held (half-even, 12 decimals; 0 for an empty pool: no lot left).

    Incremental (macros/mart_cuts.sql): the rows dated from the cut day on are deleted and the
    events from the cut on (int_valuation__fifo_lots) are costed again: the first one consumes
    from the consumed_position of the pool's event before it, and only the lots between the
    lowest and the highest position the new events reach are looked up. Each row depends only
    on its own positions and the lots, so this gives the rows of a full build.
-#}

with

-- the events to cost (ref'd once per use below: DuckDB materializes a CTE read twice)
positions as (

    select * from {{ ref('int_valuation__fifo_lots') }}
    where {{ mart_in_cut('event_date', cut) }}

),

-- the event before each pool's first event to cost (sequence 0, none, on a full build)
pool_starts as (

    select
        entity,
        asset,
        min(event_sequence) - 1 as event_sequence

    from positions
    group by entity, asset

),

previous_positions as (

    select
        all_positions.entity,
        all_positions.asset,
        all_positions.consumed_position

    from {{ ref('int_valuation__fifo_lots') }} as all_positions

    inner join pool_starts
        on
            all_positions.entity = pool_starts.entity
            and all_positions.asset = pool_starts.asset
            and all_positions.event_sequence = pool_starts.event_sequence

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
        positions.entity,
        positions.asset,
        positions.event_sequence,
        'before' as end_kind,
        coalesce(
            lag(positions.consumed_position) over (
                partition by positions.entity, positions.asset
                order by positions.event_sequence
            ),
            previous_positions.consumed_position,
            cast(0 as decimal(38, 18))
        ) as consumed_to

    from positions

    left join previous_positions
        on
            positions.entity = previous_positions.entity
            and positions.asset = previous_positions.asset

),

-- the range of the lots' axis the events reach (consumed_position never decreases)
reached as (

    select
        entity,
        asset,
        min(consumed_to) as lowest_position,
        max(consumed_to) as highest_position

    from consumed_ends
    group by entity, asset

),

-- the lots a position in that range can fall in: ending at or after its lowest position
-- (a position equal to a lot's end is in that lot) and starting below its highest
lots as (

    select
        all_positions.entity,
        all_positions.asset,
        all_positions.event_sequence as lot_sequence,
        all_positions.quantity as lot_quantity,
        coalesce(all_positions.cost_usd, cast(0 as decimal(38, 6))) as lot_cost_usd,
        all_positions.lot_unit_cost_usd,
        all_positions.lot_start,
        -- cost of every earlier lot: what is consumed when this lot is reached
        all_positions.acquired_cost_usd - coalesce(all_positions.cost_usd, 0)
            as earlier_lots_cost_usd

    from {{ ref('int_valuation__fifo_lots') }} as all_positions

    inner join reached
        on
            all_positions.entity = reached.entity
            and all_positions.asset = reached.asset

    where
        all_positions.event_kind = 'acquisition'
        and all_positions.quantity > 0
        and all_positions.lot_end >= reached.lowest_position
        and all_positions.lot_start < reached.highest_position

),

-- the lot a position falls in: the last lot starting below it (ASOF: a sort-merge, where a
-- range join on the lots' intervals would compare every event with every lot)
located as (

    {{ fifo_locate_lots('consumed_ends', 'lots') }}

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

-- per event: the cost consumed through it (the sum of the costs sold so far) and sold by it
sold as (

    select
        entity,
        asset,
        event_sequence,
        cast(
            sum(case when end_kind = 'through' then consumed_cost_usd else 0 end)
            as decimal(38, 6)
        ) as consumed_cost_usd,
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
        sold.cost_of_units_sold_usd,
        sold.consumed_cost_usd

    from positions

    inner join sold
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
