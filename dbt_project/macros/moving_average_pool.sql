{#-
    The moving-average cost pool's rows (int_valuation__cost_pool): CTEs, each followed by a
    comma, ending with `pool_rows` (entity, asset, event_sequence, event_at, event_date,
    event_kind, quantity, cost_usd, proceeds_usd, event_source, event_ref, units_held,
    pool_cost_usd, average_cost_per_unit, cost_of_units_sold_usd, realized_gain_loss_usd: one
    row per event of `sequenced`). The calling model defines the CTEs `sequenced` (the events
    numbered by event_sequence within entity × asset, continuing after the kept rows) and `kept`
    (each pool's last row kept from before the cut, or no row) and opens its WITH as
    `with recursive`.

    DuckDB (and any adapter without its own form): a recursive CTE, one step per event, from
    each pool's start (its kept row, or empty). DuckDB runs it as a loop of small joins.

    Spark: one Spark job per recursion step would make a pool of millions of events millions
    of jobs. Each pool goes instead, ordered by event_sequence in chunks of 10,000 events (sorted
    arrays), through the table function usd1_moving_average_pool (ingestion/spark_functions.py,
    registered in the dbt session by ingestion/spark_target.py), which keeps the pool from chunk
    to chunk: one pass per pool, the pools in parallel, with the same exact
    arithmetic (ingestion/moving_average_pool.py; tests/integration/test_cost_pool_engines.py
    compares it with this recursion on generated pools, test_spark_equality.py the marts).
    Where the function cannot be registered (a Thrift server or SQL warehouse without Python
    table functions), the var `spark_cost_pool: recursive` selects the recursive CTE
    (Spark >= 4.1), which gives the same rows at one Spark job per event of the longest pool.
-#}
{% macro moving_average_pool_rows() -%}
{{ return(adapter.dispatch('moving_average_pool_rows', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro spark__moving_average_pool_rows() -%}
{%- set method = var('spark_cost_pool', 'per_pool') -%}
{%- if method == 'recursive' -%}
{{ default__moving_average_pool_rows() }}
{%- elif method == 'per_pool' -%}
-- each event with its pool's start (the kept row, or an empty pool)
pool_input as (

    select
        sequenced.entity,
        sequenced.asset,
        sequenced.event_sequence,
        sequenced.event_kind,
        sequenced.quantity,
        sequenced.cost_usd,
        sequenced.proceeds_usd,
        kept.units_held as start_units_held,
        kept.pool_cost_usd as start_pool_cost_usd,
        kept.average_cost_per_unit as start_average_cost_per_unit

    from sequenced

    left join kept
        on
            sequenced.entity = kept.entity
            and sequenced.asset = kept.asset

),

-- chunks of 10,000 consecutive events of a pool, sorted (a Python table function pays per row
-- it receives or returns: ingestion/spark_functions.py EVENTS_PER_CHUNK)
pool_chunks as (

    select
        entity,
        asset,
        (event_sequence - 1) div 10000 as chunk_number,
        sort_array(collect_list(struct(
            event_sequence, event_kind, quantity, cost_usd, proceeds_usd
        ))) as events,
        max(start_units_held) as start_units_held,
        max(start_pool_cost_usd) as start_pool_cost_usd,
        max(start_average_cost_per_unit) as start_average_cost_per_unit

    from pool_input
    group by entity, asset, (event_sequence - 1) div 10000

),

-- one pass per pool, its chunks in order
pooled_chunks as (

    select *
    from usd1_moving_average_pool(
        table(pool_chunks) partition by (entity, asset) order by chunk_number
    )

),

pooled as (

    select
        entity,
        asset,
        inline(results)

    from pooled_chunks

),

pool_rows as (

    select
        sequenced.entity,
        sequenced.asset,
        sequenced.event_sequence,
        sequenced.event_at,
        sequenced.event_date,
        sequenced.event_kind,
        sequenced.quantity,
        sequenced.cost_usd,
        sequenced.proceeds_usd,
        sequenced.event_source,
        sequenced.event_ref,
        pooled.units_held,
        pooled.pool_cost_usd,
        pooled.average_cost_per_unit,
        pooled.cost_of_units_sold_usd,
        pooled.realized_gain_loss_usd

    from sequenced

    inner join pooled
        on
            sequenced.entity = pooled.entity
            and sequenced.asset = pooled.asset
            and sequenced.event_sequence = pooled.event_sequence

),
{%- else -%}
{{ exceptions.raise_compiler_error(
    "var spark_cost_pool: per_pool or recursive, not '" ~ method ~ "'"
) }}
{%- endif -%}
{%- endmacro %}

{% macro default__moving_average_pool_rows() -%}
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

pool_rows as (

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

),
{%- endmacro %}
