{#-
    Every movement of every location, from each source that records it, for the dashboard's
    drill-down (a location and a day -> what moved): on-chain Transfers of registry wallets
    (int_inventory__wallet_movements, one row per wallet side), exchange entries, custodian
    movements and internal ledger entries of located accounts. The other side of a transfer is
    named from the counterparty allow-list, else the registry (own wallet or account).
    Amounts are signed token units (+ into the location), exact DECIMAL(38,18).
    Grain: source × network × location_id × entry_id (a Transfer: tx_hash:log_index).
    Rows are written in (location_id, movement_date) order, so a reader's lookup of one
    location and day skips the rest of the table.
-#}

with

wallet_movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

counterparties as (

    select * from {{ ref('stg_registry__counterparties') }}

),

exchange_entries as (

    select * from {{ ref('stg_exchange__entries') }}

),

custodian_movements as (

    select * from {{ ref('stg_custodian__movements') }}

),

ledger_entries as (

    select * from {{ ref('int_reconciliation__ledger_entries') }}

),

onchain as (

    select
        wallet_movements.block_date as movement_date,
        wallet_movements.block_time as movement_at,
        wallets.entity,
        wallet_movements.network,
        'wallet' as location_type,
        wallet_movements.address as location_id,
        'onchain' as source,
        wallet_movements.address as source_account_id,
        wallet_movements.tx_hash || ':' || cast(wallet_movements.log_index as string)
            as entry_id,
        wallet_movements.movement_type,
        wallet_movements.direction,
        wallet_movements.signed_amount as amount,
        cast(0 as decimal(38, 18)) as fee,
        wallet_movements.is_final,
        wallet_movements.tx_hash,
        wallet_movements.log_index,
        wallet_movements.block_number,
        wallet_movements.counterparty_address

    from wallet_movements

    inner join wallets
        on
            wallet_movements.network = wallets.network
            and wallet_movements.address = wallets.address

),

exchange as (

    select
        {{ to_local_date('exchange_entries.occurred_at') }} as movement_date,
        exchange_entries.occurred_at as movement_at,
        accounts.entity,
        accounts.network,
        'exchange' as location_type,
        accounts.account_id as location_id,
        'exchange' as source,
        exchange_entries.account_id as source_account_id,
        exchange_entries.entry_id,
        exchange_entries.entry_type as movement_type,
        case when exchange_entries.amount < 0 then 'out' else 'in' end as direction,
        exchange_entries.amount,
        case
            when coalesce(exchange_entries.fee_asset, exchange_entries.asset)
                = exchange_entries.asset
                then coalesce(exchange_entries.fee, 0)
            else 0
        end as fee,
        exchange_entries.is_final,
        exchange_entries.tx_hash,
        cast(null as integer) as log_index,
        cast(null as bigint) as block_number,
        exchange_entries.address as counterparty_address

    from exchange_entries

    inner join accounts
        on exchange_entries.account_id = accounts.account_id

    inner join networks
        on
            coalesce(exchange_entries.network, accounts.network) = networks.network
            and exchange_entries.asset = networks.token_symbol

    where accounts.account_kind = 'exchange'

),

custodian as (

    select
        {{ to_local_date('custodian_movements.occurred_at') }} as movement_date,
        custodian_movements.occurred_at as movement_at,
        accounts.entity,
        accounts.network,
        'custodian' as location_type,
        accounts.account_id as location_id,
        'custodian' as source,
        custodian_movements.account_id as source_account_id,
        custodian_movements.entry_id,
        custodian_movements.movement_type,
        case when custodian_movements.amount < 0 then 'out' else 'in' end as direction,
        custodian_movements.amount,
        custodian_movements.fee,
        custodian_movements.is_final,
        custodian_movements.tx_hash,
        cast(null as integer) as log_index,
        custodian_movements.block_height as block_number,
        cast(null as string) as counterparty_address

    from custodian_movements

    inner join accounts
        on custodian_movements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and custodian_movements.asset = networks.token_symbol

    where accounts.account_kind = 'custodian'

),

ledger as (

    select
        ledger_entries.posted_date as movement_date,
        ledger_entries.posted_at as movement_at,
        ledger_entries.entity,
        ledger_entries.network,
        ledger_entries.location_type,
        ledger_entries.location_id,
        'ledger' as source,
        ledger_entries.account_id as source_account_id,
        ledger_entries.entry_id,
        ledger_entries.entry_type as movement_type,
        case when ledger_entries.amount < 0 then 'out' else 'in' end as direction,
        ledger_entries.amount,
        cast(0 as decimal(38, 18)) as fee,
        true as is_final,
        ledger_entries.tx_hash,
        cast(null as integer) as log_index,
        cast(null as bigint) as block_number,
        cast(null as string) as counterparty_address

    from ledger_entries

),

unioned as (

    select * from onchain
    union all
    select * from exchange
    union all
    select * from custodian
    union all
    select * from ledger

),

final as (

    select
        cast(unioned.movement_date as date) as movement_date,
        unioned.movement_at,
        cast(unioned.entity as string) as entity,
        cast(unioned.network as string) as network,
        cast(unioned.location_type as string) as location_type,
        cast(unioned.location_id as string) as location_id,
        cast(unioned.source as string) as source,
        cast(unioned.source_account_id as string) as source_account_id,
        cast(unioned.entry_id as string) as entry_id,
        cast(unioned.movement_type as string) as movement_type,
        cast(unioned.direction as string) as direction,
        cast(unioned.amount as decimal(38, 18)) as amount,
        cast(unioned.fee as decimal(38, 18)) as fee,
        cast(unioned.is_final as boolean) as is_final,
        cast(unioned.tx_hash as string) as tx_hash,
        cast(unioned.log_index as integer) as log_index,
        cast(unioned.block_number as bigint) as block_number,
        cast(unioned.counterparty_address as string) as counterparty_address,
        cast(
            coalesce(
                counterparties.counterparty_name,
                counterparty_wallets.wallet_label,
                counterparty_accounts.account_id
            ) as string
        ) as counterparty_name,
        cast(
            coalesce(
                counterparties.counterparty_kind,
                case
                    when counterparty_wallets.address is not null then 'own_wallet'
                    when counterparty_accounts.address is not null then 'own_account'
                    when unioned.counterparty_address = '0x0000000000000000000000000000000000000000'
                        then 'zero_address'
                end
            ) as string
        ) as counterparty_kind

    from unioned

    left join counterparties
        on
            unioned.network = counterparties.network
            and unioned.counterparty_address = counterparties.address

    left join wallets as counterparty_wallets
        on
            unioned.network = counterparty_wallets.network
            and unioned.counterparty_address = counterparty_wallets.address

    left join accounts as counterparty_accounts
        on
            unioned.network = counterparty_accounts.network
            and unioned.counterparty_address = counterparty_accounts.address
            and counterparty_accounts.account_kind in ('custodian', 'exchange')

    order by unioned.location_id, unioned.movement_date, unioned.movement_at, unioned.entry_id

)

select * from final
