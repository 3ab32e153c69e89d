{#-
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

),

sequenced as (

    select
        entity,
        asset,
        event_at,
        event_date,
        event_kind,
        quantity,
        cost_usd,
        proceeds_usd,
        event_source,
        event_ref,
        row_number() over (
            partition by entity, asset
            order by
                event_at,
                case when event_kind = 'acquisition' then 0 else 1 end,
                event_ref
        ) as event_sequence

    from events

),

pool as (

    -- the empty pool before the first event (the first event's columns give the types; the
    -- row is dropped in final)
    select
        entity,
        asset,
        cast(0 as bigint) as event_sequence,
        event_at,
        event_date,
        event_kind,
        quantity,
        cost_usd,
        proceeds_usd,
        event_source,
        event_ref,
        cast(0 as decimal(38, 18)) as units_held,
        cast(0 as decimal(38, 6)) as pool_cost_usd,
        cast(null as decimal(38, 12)) as average_cost_per_unit,
        cast(null as decimal(38, 6)) as cost_of_units_sold_usd,
        cast(null as decimal(38, 6)) as realized_gain_loss_usd

    from sequenced
    where event_sequence = 1

    union all

    select
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
    where event_sequence > 0

)

select * from final
