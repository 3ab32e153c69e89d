{#-
    Comparison `transfers_vs_balanceof`: for every registry wallet and synced local day, the
    balance derived from FINAL transfers (left) against balanceOf read on chain at the day's
    check block (right: the last block at or before the end of the day, never past the final
    block, so both sides describe the same block). Nothing is in transit between the two, so
    explained_in_transit and tolerance are zero. One row per network × address × as_of_date.
-#}

with

positions as (

    select * from {{ ref('int_inventory__wallet_daily_positions') }}

),

balances as (

    select * from {{ ref('stg_onchain__balances') }}
    where period_type = 'day'

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

compared as (

    select
        positions.as_of_date,
        wallets.entity,
        positions.network,
        'wallet' as location_type,
        positions.address as location_id,
        'transfers_vs_balanceof' as comparison,
        'onchain_transfers' as left_source,
        'onchain_balance_of' as right_source,
        positions.balance as left_balance,
        {{ to_token_units('balances.balance_raw', 'networks.token_decimals') }}
            as right_balance,
        cast(0 as decimal(38, 18)) as explained_in_transit,
        cast(0 as decimal(38, 18)) as tolerance,
        balances.block_number as right_block_number,
        balances.block_time as observed_at

    from positions

    inner join balances
        on
            positions.network = balances.network
            and positions.address = balances.address
            and positions.as_of_date = balances.block_date

    inner join networks
        on
            balances.network = networks.network
            and balances.token_address = networks.token_address

    inner join wallets
        on
            positions.network = wallets.network
            and positions.address = wallets.address

)

select * from compared
