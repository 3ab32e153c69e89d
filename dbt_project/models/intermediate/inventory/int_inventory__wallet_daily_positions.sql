{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['network', 'as_of_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ inventory_delete_from_cut('as_of_date') }}",
        post_hook="{{ inventory_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__incremental_cuts') }}
{%- set cut_floor = inventory_cut_floor() %}
{#- the earliest last kept day over the networks, null when a network keeps none -#}
{%- set kept_floor = inventory_query_date(
    "select case when count(*) = count(kept) then cast(min(kept) as string) end from ("
    ~ "select cut.network, max(positions.as_of_date) as kept "
    ~ "from (" ~ inventory_cut_sql() ~ ") as cut "
    ~ "left join " ~ this ~ " as positions on positions.network = cut.network "
    ~ "and positions.as_of_date < cut.cut_date "
    ~ "where not cut.rebuild_all and cut.cut_date is not null "
    ~ "group by cut.network) as kept_days"
) if cut_floor is not none else none %}
{#
    One row per registry wallet × synced local day of its network (stg_onchain__day_blocks),
    from var('start_date') on. `balance` is the position at the END of that local day from FINAL
    movements only: cumulative from the first movement ever (also those before the first shown
    day), carried forward over days without movement, zero before the first. Pending amounts are
    the NOT-final movements dated on or before the day.

    Incremental: days from the cut on (int_inventory__incremental_cuts) are deleted and
    recomputed. The running totals start from a seed: the wallet's row on the last kept day
    plus the movements dated after it and before the cut (days not shown), or all movements
    before the cut when no day is kept. Sums of exact decimals (and a max) split at any day
    give the same totals, so the rows equal a full refresh.
-#}

with

{% if is_incremental() -%}

cut as (

    {{ inventory_cut_sql() }}

),

-- per network, the last day kept in the table (the pre-hook deleted those from the cut on)
kept_last_day as (

    select
        positions.network,
        max(positions.as_of_date) as as_of_date

    from {{ this }} as positions

    group by positions.network

),

{% endif -%}

movements as (

    select movements.*
    from {{ ref('int_inventory__wallet_movements') }} as movements
    {% if is_incremental() %}
    inner join cut
        on movements.network = cut.network
    where
        {{ inventory_in_cut('movements.block_date') }}
        {%- if cut_floor is not none %}
        and movements.block_date >= cast('{{ cut_floor }}' as date)
        {%- endif %}
    {% endif %}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}

),

wallet_days as (

    select
        wallets.network,
        wallets.address,
        day_blocks.block_date as as_of_date

    from wallets

    inner join day_blocks
        on wallets.network = day_blocks.network
    {% if is_incremental() %}
    inner join cut
        on day_blocks.network = cut.network
    where
        day_blocks.block_date >= cast('{{ var("start_date") }}' as date)
        and {{ inventory_in_cut('day_blocks.block_date') }}
    {% else %}
    where day_blocks.block_date >= cast('{{ var("start_date") }}' as date)
    {% endif %}

),

daily_movements as (

    select
        network,
        address,
        block_date as as_of_date,

        cast(sum(
            case when is_final then signed_amount_raw else cast(0 as decimal(38, 0)) end
        ) as decimal(38, 0)) as day_net_amount_raw,

        cast(sum(
            case when is_final then signed_amount else cast(0 as decimal(38, 18)) end
        ) as decimal(38, 18)) as day_net_amount,

        cast(sum(
            case
                when is_final and direction = 'in' then amount
                else cast(0 as decimal(38, 18))
            end
        ) as decimal(38, 18)) as inflow,

        cast(sum(
            case
                when is_final and direction = 'out' then amount
                else cast(0 as decimal(38, 18))
            end
        ) as decimal(38, 18)) as outflow,

        -- a transfer from a wallet to itself is two movements but one transfer
        cast(sum(
            case
                when is_final and not (is_self_transfer and direction = 'in') then 1
                else 0
            end
        ) as bigint) as transfer_count,

        max(case when is_final then block_time end) as day_last_movement_at,

        cast(sum(
            case
                when not is_final and direction = 'in' then amount
                else cast(0 as decimal(38, 18))
            end
        ) as decimal(38, 18)) as day_pending_in,

        cast(sum(
            case
                when not is_final and direction = 'out' then amount
                else cast(0 as decimal(38, 18))
            end
        ) as decimal(38, 18)) as day_pending_out

    from movements

    group by network, address, block_date

),

-- every shown wallet-day plus every day with movements, so that movements dated before the
-- first shown day (or on days not synced) still count in the running totals
timeline as (

    select
        coalesce(wallet_days.network, daily_movements.network) as network,
        coalesce(wallet_days.address, daily_movements.address) as address,
        coalesce(wallet_days.as_of_date, daily_movements.as_of_date) as as_of_date,
        wallet_days.as_of_date is not null as is_shown,
        coalesce(daily_movements.day_net_amount_raw, cast(0 as decimal(38, 0)))
            as day_net_amount_raw,
        coalesce(daily_movements.day_net_amount, cast(0 as decimal(38, 18)))
            as day_net_amount,
        coalesce(daily_movements.inflow, cast(0 as decimal(38, 18))) as inflow,
        coalesce(daily_movements.outflow, cast(0 as decimal(38, 18))) as outflow,
        coalesce(daily_movements.transfer_count, cast(0 as bigint)) as transfer_count,
        daily_movements.day_last_movement_at,
        coalesce(daily_movements.day_pending_in, cast(0 as decimal(38, 18)))
            as day_pending_in,
        coalesce(daily_movements.day_pending_out, cast(0 as decimal(38, 18)))
            as day_pending_out

    from wallet_days

    full outer join daily_movements
        on
            wallet_days.network = daily_movements.network
            and wallet_days.address = daily_movements.address
            and wallet_days.as_of_date = daily_movements.as_of_date

),

{% if is_incremental() -%}

-- the totals carried into the first recomputed day, per wallet
seed_movements as (

    select
        movements.network,
        movements.address,
        cast(
            sum(case when movements.is_final then movements.signed_amount_raw end)
            as decimal(38, 0)
        ) as balance_raw,
        cast(
            sum(case when movements.is_final then movements.signed_amount end)
            as decimal(38, 18)
        ) as balance,
        max(case when movements.is_final then movements.block_time end) as last_movement_at,
        cast(sum(
            case
                when not movements.is_final and movements.direction = 'in' then movements.amount
            end
        ) as decimal(38, 18)) as pending_in,
        cast(sum(
            case
                when not movements.is_final and movements.direction = 'out' then movements.amount
            end
        ) as decimal(38, 18)) as pending_out

    from {{ ref('int_inventory__wallet_movements') }} as movements

    inner join cut
        on movements.network = cut.network

    left join kept_last_day
        on movements.network = kept_last_day.network

    where
        not cut.rebuild_all
        and movements.block_date < cut.cut_date
        {%- if kept_floor is not none %}
        and movements.block_date > cast('{{ kept_floor }}' as date)
        {%- endif %}
        and (
            kept_last_day.as_of_date is null
            or movements.block_date > kept_last_day.as_of_date
        )

    group by movements.network, movements.address

),

seed_positions as (

    select positions.*

    from {{ this }} as positions

    inner join kept_last_day
        on
            positions.network = kept_last_day.network
            and positions.as_of_date = kept_last_day.as_of_date

),

seed as (

    select
        coalesce(seed_positions.network, seed_movements.network) as network,
        coalesce(seed_positions.address, seed_movements.address) as address,
        coalesce(seed_positions.balance_raw, cast(0 as decimal(38, 0)))
        + coalesce(seed_movements.balance_raw, cast(0 as decimal(38, 0))) as balance_raw,
        coalesce(seed_positions.balance, cast(0 as decimal(38, 18)))
        + coalesce(seed_movements.balance, cast(0 as decimal(38, 18))) as balance,
        case
            when seed_positions.last_movement_at is null then seed_movements.last_movement_at
            when seed_movements.last_movement_at is null then seed_positions.last_movement_at
            when seed_movements.last_movement_at > seed_positions.last_movement_at
                then seed_movements.last_movement_at
            else seed_positions.last_movement_at
        end as last_movement_at,
        coalesce(seed_positions.pending_in, cast(0 as decimal(38, 18)))
        + coalesce(seed_movements.pending_in, cast(0 as decimal(38, 18))) as pending_in,
        coalesce(seed_positions.pending_out, cast(0 as decimal(38, 18)))
        + coalesce(seed_movements.pending_out, cast(0 as decimal(38, 18))) as pending_out

    from seed_positions

    full outer join seed_movements
        on
            seed_positions.network = seed_movements.network
            and seed_positions.address = seed_movements.address

),

{% endif -%}

running as (

    select
        network,
        address,
        as_of_date,
        is_shown,

        cast(sum(day_net_amount_raw) over (
            partition by network, address
            order by as_of_date
            rows between unbounded preceding and current row
        ) as decimal(38, 0)) as balance_raw,

        cast(sum(day_net_amount) over (
            partition by network, address
            order by as_of_date
            rows between unbounded preceding and current row
        ) as decimal(38, 18)) as balance,

        inflow,
        outflow,
        transfer_count,

        max(day_last_movement_at) over (
            partition by network, address
            order by as_of_date
            rows between unbounded preceding and current row
        ) as last_movement_at,

        cast(sum(day_pending_in) over (
            partition by network, address
            order by as_of_date
            rows between unbounded preceding and current row
        ) as decimal(38, 18)) as pending_in,

        cast(sum(day_pending_out) over (
            partition by network, address
            order by as_of_date
            rows between unbounded preceding and current row
        ) as decimal(38, 18)) as pending_out

    from timeline

),

final as (

    {%- if is_incremental() %}

    select
        running.network,
        running.address,
        running.as_of_date,
        cast(
            running.balance_raw + coalesce(seed.balance_raw, cast(0 as decimal(38, 0)))
            as decimal(38, 0)
        ) as balance_raw,
        cast(
            running.balance + coalesce(seed.balance, cast(0 as decimal(38, 18)))
            as decimal(38, 18)
        ) as balance,
        running.inflow,
        running.outflow,
        running.transfer_count,
        case
            when running.last_movement_at is null then seed.last_movement_at
            when seed.last_movement_at is null then running.last_movement_at
            when seed.last_movement_at > running.last_movement_at then seed.last_movement_at
            else running.last_movement_at
        end as last_movement_at,
        cast(
            running.pending_in + coalesce(seed.pending_in, cast(0 as decimal(38, 18)))
            as decimal(38, 18)
        ) as pending_in,
        cast(
            running.pending_out + coalesce(seed.pending_out, cast(0 as decimal(38, 18)))
            as decimal(38, 18)
        ) as pending_out

    from running

    left join seed
        on
            running.network = seed.network
            and running.address = seed.address

    where running.is_shown
    {%- else %}

    select
        network,
        address,
        as_of_date,
        balance_raw,
        balance,
        inflow,
        outflow,
        transfer_count,
        last_movement_at,
        pending_in,
        pending_out

    from running
    where is_shown
    {%- endif %}

)

select * from final
