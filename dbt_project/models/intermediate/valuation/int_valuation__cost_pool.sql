{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
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
    The recursion is a recursive CTE (DuckDB; Spark 4.1+).

    Incremental (macros/mart_cuts.sql): the rows dated from the cut day on are deleted, and
    the recursion restarts from each pool's last kept row (its units, cost and average) over
    the events from the cut on, numbered after it: the same rows as a recursion from the
    first event, at the cost of the new events only.
-#}
{%- set sold_cost -%}
case
    when pool.units_held - sequenced.quantity <= 0 then pool.pool_cost_usd
    else least(
        pool.pool_cost_usd,
        coalesce({{ round_usd(
            'cast(sequenced.quantity as decimal(38, 12)) * pool.average_cost_per_unit'
        ) }}, cast(0 as decimal(38, 6)))
    )
end
{%- endset %}

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

-- the pool before the first new event: its last kept row, or empty
pool_start as (

    select
        sequenced.entity,
        sequenced.asset,
        min(sequenced.event_sequence) - 1 as event_sequence

    from sequenced
    group by sequenced.entity, sequenced.asset

),

pool as (

    select
        true as is_start,
        pool_start.entity,
        pool_start.asset,
        cast(pool_start.event_sequence as bigint) as event_sequence,
        cast(null as {{ utc_timestamp_type() }}) as event_at,
        cast(null as date) as event_date,
        cast(null as string) as event_kind,
        cast(null as decimal(38, 18)) as quantity,
        cast(null as decimal(38, 6)) as cost_usd,
        cast(null as decimal(38, 6)) as proceeds_usd,
        cast(null as string) as event_source,
        cast(null as string) as event_ref,
        cast(coalesce(kept.units_held, 0) as decimal(38, 18)) as units_held,
        cast(coalesce(kept.pool_cost_usd, 0) as decimal(38, 6)) as pool_cost_usd,
        cast(kept.average_cost_per_unit as decimal(38, 12)) as average_cost_per_unit,
        cast(null as decimal(38, 6)) as cost_of_units_sold_usd,
        cast(null as decimal(38, 6)) as realized_gain_loss_usd

    from pool_start

    left join kept
        on
            pool_start.entity = kept.entity
            and pool_start.asset = kept.asset

    union all

    select
        false as is_start,
        sequenced.entity,
        sequenced.asset,
        cast(sequenced.event_sequence as bigint) as event_sequence,
        sequenced.event_at,
        sequenced.event_date,
        sequenced.event_kind,
        sequenced.quantity,
        sequenced.cost_usd,
        sequenced.proceeds_usd,
        sequenced.event_source,
        sequenced.event_ref,
        cast(case
            when sequenced.event_kind = 'acquisition'
                then pool.units_held + sequenced.quantity
            when pool.units_held - sequenced.quantity <= 0 then 0
            else pool.units_held - sequenced.quantity
        end as decimal(38, 18)) as units_held,
        cast(case
            when sequenced.event_kind = 'acquisition'
                then pool.pool_cost_usd + coalesce(sequenced.cost_usd, 0)
            when pool.units_held - sequenced.quantity <= 0 then 0
            else pool.pool_cost_usd - {{ sold_cost }}
        end as decimal(38, 6)) as pool_cost_usd,
        cast(case
            when sequenced.event_kind = 'acquisition'
                then {{ divide_half_even(
                    'pool.pool_cost_usd + coalesce(sequenced.cost_usd, 0)',
                    'pool.units_held + sequenced.quantity'
                ) }}
            else pool.average_cost_per_unit
        end as decimal(38, 12)) as average_cost_per_unit,
        cast(case
            when sequenced.event_kind <> 'acquisition'
                then {{ sold_cost }}
        end as decimal(38, 6)) as cost_of_units_sold_usd,
        cast(case
            when sequenced.event_kind = 'conversion'
                then sequenced.proceeds_usd - {{ sold_cost }}
        end as decimal(38, 6)) as realized_gain_loss_usd

    from pool

    inner join sequenced
        on
            pool.entity = sequenced.entity
            and pool.asset = sequenced.asset
            and sequenced.event_sequence = pool.event_sequence + 1

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
        pool_cost_usd,
        average_cost_per_unit,
        cost_of_units_sold_usd,
        realized_gain_loss_usd

    from pool
    where not is_start

)

select * from final
