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
    The cost pool that measures each entity, event by event: int_valuation__fifo_pool for an
    entity whose cost method is fifo, int_valuation__cost_pool (moving weighted average)
    otherwise - also for an entity with no configured method. Same grain and columns as the
    two pools (entity × asset × event_sequence), plus cost_method.

    Incremental (macros/mart_cuts.sql): the rows dated from the cut day on are deleted and
    taken again from the two pools' rows from the cut on (both pools hold the same events; a
    change of the cost methods rebuilds everything).
-#}

with

weighted_average as (

    select * from {{ ref('int_valuation__cost_pool') }}
    where {{ mart_in_cut('event_date', cut) }}

),

fifo as (

    select * from {{ ref('int_valuation__fifo_pool') }}
    where {{ mart_in_cut('event_date', cut) }}

),

methods as (

    select * from {{ ref('stg_prices__cost_methods') }}

),

entity_events as (

    select distinct
        weighted_average.entity,
        coalesce(methods.cost_method, 'weighted_average') as cost_method

    from weighted_average

    left join methods
        on weighted_average.entity = methods.entity

),

chosen as (

    select
        weighted_average.entity,
        weighted_average.asset,
        weighted_average.event_sequence,
        weighted_average.event_at,
        weighted_average.event_date,
        weighted_average.event_kind,
        weighted_average.quantity,
        weighted_average.cost_usd,
        weighted_average.proceeds_usd,
        weighted_average.event_source,
        weighted_average.event_ref,
        weighted_average.units_held,
        weighted_average.pool_cost_usd,
        weighted_average.average_cost_per_unit,
        weighted_average.cost_of_units_sold_usd,
        weighted_average.realized_gain_loss_usd,
        'weighted_average' as cost_method

    from weighted_average

    inner join entity_events
        on
            weighted_average.entity = entity_events.entity
            and entity_events.cost_method = 'weighted_average'

    union all

    select
        fifo.entity,
        fifo.asset,
        fifo.event_sequence,
        fifo.event_at,
        fifo.event_date,
        fifo.event_kind,
        fifo.quantity,
        fifo.cost_usd,
        fifo.proceeds_usd,
        fifo.event_source,
        fifo.event_ref,
        fifo.units_held,
        fifo.pool_cost_usd,
        fifo.average_cost_per_unit,
        fifo.cost_of_units_sold_usd,
        fifo.realized_gain_loss_usd,
        'fifo' as cost_method

    from fifo

    inner join entity_events
        on
            fifo.entity = entity_events.entity
            and entity_events.cost_method = 'fifo'

),

final as (

    select * from chosen

)

select * from final
