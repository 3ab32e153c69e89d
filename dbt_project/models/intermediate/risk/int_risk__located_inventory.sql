{#-
    inventory_daily with who controls each location: is_unknown_control when the custody
    provider is missing, blank or 'unknown' / 'unregistered', or the location is a wallet not
    in the wallet registry (nobody registered controls it). Its balance is never counted as
    available by the health stress test or the liquidity horizons.
-#}

with

inventory as (

    select * from {{ ref('inventory_daily') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

located as (

    select
        inventory.*,
        (
            inventory.custody_provider is null
            or trim(inventory.custody_provider) = ''
            or lower(inventory.custody_provider) in ('unknown', 'unregistered')
            or (inventory.location_type = 'wallet' and wallets.address is null)
        ) as is_unknown_control

    from inventory

    left join wallets
        on
            inventory.network = wallets.network
            and inventory.location_id = wallets.address

)

select * from located
