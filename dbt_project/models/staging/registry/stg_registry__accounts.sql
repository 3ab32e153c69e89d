{#-
    Every account of the file sources' registry (files.custodian_accounts,
    files.exchange_accounts, files.ledger_accounts), one row per account_id. A ledger account's
    `location_id` says where its tokens sit (a wallet address or a custodian / exchange account
    id); ownership is a ledger account's owner_type. raw.registry_accounts is declared once, as
    the source `exchange.accounts`.
-#}

with

source as (

    select * from {{ source('exchange', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        cast(account_id as string) as account_id,
        cast(account_kind as string) as account_kind,
        cast(provider as string) as provider,
        cast(external_id as string) as external_account_id,

        ---------- description
        cast(entity as string) as entity,
        cast(ownership as string) as ownership,
        cast(network as string) as network,
        cast(purpose as string) as purpose,
        lower(address) as address,
        case
            when location_id like '0x%' then lower(location_id)
            else cast(location_id as string)
        end as location_id

    from source

)

select * from renamed
