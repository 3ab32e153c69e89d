{#-
    Internal ledger entries with the location their account maps to (files.ledger_accounts
    location_id): a registry wallet (location_type wallet, on the entry's network, or the
    wallet's when the entry names none) or a custodian / exchange account. Entries of
    accounts without a location are left out. One row per ledger entry.
-#}

with

entries as (

    select * from {{ ref('stg_ledger__entries') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

ledger_accounts as (

    select * from accounts
    where account_kind = 'ledger' and location_id is not null

),

account_locations as (

    select * from accounts
    where account_kind in ('custodian', 'exchange')

),

located as (

    select
        entries.ledger_source,
        entries.account_id,
        entries.entry_id,
        entries.owner_type,
        entries.entity,
        entries.entry_type,
        entries.asset,
        entries.amount,
        entries.posted_at,
        entries.posted_date,
        entries.tx_hash,
        entries.network as entry_network,
        coalesce(wallets.network, account_locations.network, entries.network) as network,
        case
            when wallets.address is not null then 'wallet'
            else account_locations.account_kind
        end as location_type,
        ledger_accounts.location_id,
        coalesce(wallets.address, account_locations.address) as location_address

    from entries

    inner join ledger_accounts
        on entries.account_id = ledger_accounts.account_id

    left join wallets
        on
            ledger_accounts.location_id = wallets.address
            and (entries.network is null or entries.network = wallets.network)

    left join account_locations
        on ledger_accounts.location_id = account_locations.account_id

    where wallets.address is not null or account_locations.account_id is not null

)

select * from located
