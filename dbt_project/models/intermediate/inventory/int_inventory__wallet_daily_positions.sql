{#-
    One row per registry wallet × synced local day of its network (stg_onchain__day_blocks),
    from var('start_date') on. `balance` is the position at the END of that local day from FINAL
    movements only: cumulative from the first movement ever (also those before the first shown
    day), carried forward over days without movement, zero before the first. Pending amounts are
    the NOT-final movements dated on or before the day.
-#}

with

movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}

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

    where day_blocks.block_date >= cast('{{ var("start_date") }}' as date)

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

)

select * from final
