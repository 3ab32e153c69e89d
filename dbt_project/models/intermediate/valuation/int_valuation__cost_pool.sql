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
    The weighted-average (moving average) cost pool of each entity × asset, event by event
    (int_valuation__cost_events), in time order (acquisitions before other events at the same
    instant, then by event_ref). Grain: entity × asset × event_sequence. Each row carries the
    pool after the event.

    - acquisition: units += quantity; pool cost += cost_usd; average cost per unit =
      pool cost / units, DECIMAL(38,12), rounded half-even (divide_half_even works in
      integers, so no binary floating point).
    - disposal and conversion: the units leave at the average cost per unit:
      cost of units sold = round_usd(quantity × average), half-even to 0.000001 USD, at most
      the pool's cost; the average does not change; a pool emptied to zero (or below: an
      outflow of units acquired outside the pool's scope) has zero cost.
    - conversion only: realized_gain_loss_usd = proceeds_usd - cost of units sold.

    The moving weighted average; an entity whose cost method is fifo is measured by
    int_valuation__fifo_pool instead (int_valuation__cost_basis picks).
    The recursion: macros/moving_average_pool.sql (DuckDB: a recursive CTE; Spark: one pass per
    pool through a Python table function with the same arithmetic).

    Incremental (macros/mart_cuts.sql): the rows dated from the cut day on are deleted, and
    the recursion restarts from each pool's last kept row (its units, cost and average) over
    the events from the cut on, numbered after it: the same rows as a recursion from the
    first event, at the cost of the new events only.
-#}
with recursive

events as (

    select * from {{ ref('int_valuation__cost_events') }}
    where {{ mart_in_cut('event_date', cut) }}

),

{%- if cut is not none %}

-- each pool's last row kept from before the cut
last_kept as (

    select
        entity,
        asset,
        max(event_sequence) as event_sequence

    from {{ this }}
    group by entity, asset

),

kept as (

    select kept_rows.*

    from {{ this }} as kept_rows

    inner join last_kept
        on
            kept_rows.entity = last_kept.entity
            and kept_rows.asset = last_kept.asset
            and kept_rows.event_sequence = last_kept.event_sequence

),
{%- else %}

-- everything is rebuilt: no kept row
kept as (

    select
        cast(null as string) as entity,
        cast(null as string) as asset,
        cast(null as bigint) as event_sequence,
        cast(null as decimal(38, 18)) as units_held,
        cast(null as decimal(38, 6)) as pool_cost_usd,
        cast(null as decimal(38, 12)) as average_cost_per_unit

    where false

),
{%- endif %}

sequenced as (

    select
        events.entity,
        events.asset,
        events.event_at,
        events.event_date,
        events.event_kind,
        events.quantity,
        events.cost_usd,
        events.proceeds_usd,
        events.event_source,
        events.event_ref,
        coalesce(kept.event_sequence, 0) + row_number() over (
            partition by events.entity, events.asset
            order by
                events.event_at,
                case when events.event_kind = 'acquisition' then 0 else 1 end,
                events.event_ref
        ) as event_sequence

    from events

    left join kept
        on
            events.entity = kept.entity
            and events.asset = kept.asset

),

{{ moving_average_pool_rows() }}

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
        pool_cost_usd,
        average_cost_per_unit,
        cost_of_units_sold_usd,
        realized_gain_loss_usd

    from pool_rows

)

select * from final
