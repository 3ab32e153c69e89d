{#-
    The roll-forward of every location per month and quarter. Grain: period × network × entity
    × ownership × location_id. opening + inflows_external - outflows_external
    + transfers_in_internal - transfers_out_internal + mints - burns - fees = closing, exactly,
    and a period's closing is the next period's opening. Final movements only (pending ones are
    in inventory_daily's pending columns). Wallets for now; custodian and exchange locations
    union in with the same columns.
-#}

with

movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}

),

periods as (

    select * from {{ ref('int_inventory__periods') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

final_movements as (

    select * from movements
    where is_final

),

wallet_periods as (

    select
        periods.network,
        periods.period,
        periods.period_type,
        periods.period_start_date,
        periods.period_end_date,
        periods.reported_from_date,
        periods.reported_through_date,
        periods.is_period_complete,
        wallets.address,
        wallets.entity,
        wallets.ownership,
        wallets.wallet_label,
        wallets.custody_provider,
        wallets.purpose

    from periods

    inner join wallets
        on periods.network = wallets.network

),

flows as (

    select
        wallet_periods.network,
        wallet_periods.period,
        wallet_periods.address,

        cast(sum(case
            when final_movements.block_date < wallet_periods.reported_from_date
                then final_movements.signed_amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as opening_balance,

        {%- for column, direction, types in [
            ('inflows_external', 'in', ['external']),
            ('outflows_external', 'out', ['external']),
            ('transfers_in_internal', 'in', ['internal']),
            ('transfers_out_internal', 'out', ['internal']),
            ('mints', 'in', ['mint']),
            ('burns', 'out', ['burn']),
        ] %}

        cast(sum(case
            when
                final_movements.block_date >= wallet_periods.reported_from_date
                and final_movements.direction = '{{ direction }}'
                and final_movements.movement_type in ('{{ types | join("', '") }}')
                then final_movements.amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as {{ column }},
        {%- endfor %}

        cast(sum(case
            when final_movements.block_date <= wallet_periods.reported_through_date
                then final_movements.signed_amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as closing_balance

    from wallet_periods

    left join final_movements
        on
            wallet_periods.network = final_movements.network
            and wallet_periods.address = final_movements.address
            and wallet_periods.reported_through_date >= final_movements.block_date

    group by
        wallet_periods.network,
        wallet_periods.period,
        wallet_periods.address

),

final as (

    select
        wallet_periods.period,
        wallet_periods.period_type,
        wallet_periods.period_start_date,
        wallet_periods.period_end_date,
        wallet_periods.reported_from_date,
        wallet_periods.reported_through_date,
        wallet_periods.is_period_complete,
        wallet_periods.entity,
        wallet_periods.network,
        networks.chain_id,
        networks.token_symbol as asset,
        'wallet' as location_type,
        wallet_periods.address as location_id,
        wallet_periods.wallet_label as location_label,
        wallet_periods.custody_provider,
        wallet_periods.purpose,
        wallet_periods.ownership,
        coalesce(flows.opening_balance, cast(0 as decimal(38, 18))) as opening_balance,
        coalesce(flows.inflows_external, cast(0 as decimal(38, 18))) as inflows_external,
        coalesce(flows.outflows_external, cast(0 as decimal(38, 18))) as outflows_external,
        coalesce(flows.transfers_in_internal, cast(0 as decimal(38, 18)))
            as transfers_in_internal,
        coalesce(flows.transfers_out_internal, cast(0 as decimal(38, 18)))
            as transfers_out_internal,
        coalesce(flows.mints, cast(0 as decimal(38, 18))) as mints,
        coalesce(flows.burns, cast(0 as decimal(38, 18))) as burns,
        -- token-denominated fees are charged by venues and custodians, not by ERC-20 transfers
        -- (gas is paid in the native coin); they come with those sources
        cast(0 as decimal(38, 18)) as fees,
        coalesce(flows.closing_balance, cast(0 as decimal(38, 18))) as closing_balance

    from wallet_periods

    inner join networks
        on wallet_periods.network = networks.network

    left join flows
        on
            wallet_periods.network = flows.network
            and wallet_periods.period = flows.period
            and wallet_periods.address = flows.address

)

select * from final
