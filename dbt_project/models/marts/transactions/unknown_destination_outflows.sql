{#-
    Outflows to unknown destinations: every Transfer of the configured token from an own
    address (a registry wallet, or a custodian account's address) to an address that is
    neither in the registry (wallets, custodian and exchange account addresses) nor in the
    counterparty allow-list (counterparties:). Burns (to the zero address) and zero-amount
    transfers are left out. A warning check (expectations/suites/counterparties.py) lists each.
    Grain: network × tx_hash × log_index.
-#}

{%- set zero_address = '0x0000000000000000000000000000000000000000' -%}

with

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind in ('custodian', 'exchange') and address is not null

),

counterparties as (

    select * from {{ ref('stg_registry__counterparties') }}

),

own_addresses as (

    select
        network,
        address,
        entity,
        'wallet' as location_type,
        address as location_id,
        wallet_label as location_label

    from wallets

    union all

    select
        network,
        address,
        entity,
        'custodian' as location_type,
        account_id as location_id,
        account_id as location_label

    from accounts
    where account_kind = 'custodian'

),

known_addresses as (

    select
        network,
        address
    from wallets
    union all
    select
        network,
        address
    from accounts
    union all
    select
        network,
        address
    from counterparties

),

outflows as (

    select
        transfers.network,
        transfers.tx_hash,
        transfers.log_index,
        transfers.block_number,
        transfers.block_time,
        transfers.block_date,
        transfers.is_final,
        transfers.from_address,
        transfers.to_address,
        own_addresses.entity,
        own_addresses.location_type,
        own_addresses.location_id,
        own_addresses.location_label,
        {{ to_token_units('transfers.amount_raw', 'networks.token_decimals') }} as amount

    from {{ ref('stg_onchain__transfers') }} as transfers

    inner join networks
        on
            transfers.network = networks.network
            and transfers.token_address = networks.token_address

    inner join own_addresses
        on
            transfers.network = own_addresses.network
            and transfers.from_address = own_addresses.address

    where
        transfers.amount_raw > 0
        and transfers.to_address != '{{ zero_address }}'
        and not exists (
            select 1
            from known_addresses
            where
                known_addresses.network = transfers.network
                and known_addresses.address = transfers.to_address
        )

),

final as (

    select
        cast(network as string) as network,
        cast(tx_hash as string) as tx_hash,
        cast(log_index as integer) as log_index,
        cast(block_number as bigint) as block_number,
        block_time,
        cast(block_date as date) as block_date,
        cast(is_final as boolean) as is_final,
        cast(entity as string) as entity,
        cast(location_type as string) as location_type,
        cast(location_id as string) as location_id,
        cast(location_label as string) as location_label,
        cast(from_address as string) as from_address,
        cast(to_address as string) as to_address,
        cast(amount as decimal(38, 18)) as amount

    from outflows

)

select * from final
