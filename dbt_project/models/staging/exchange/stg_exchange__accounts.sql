with

source as (

    select * from {{ source('exchange', 'accounts') }}

),

renamed as (

    select
        ---------- ids
        cast(account_id as string) as account_id,
        cast(provider as string) as venue,
        cast(external_id as string) as external_account_id,

        ---------- description
        cast(entity as string) as entity,
        cast(ownership as string) as ownership,
        cast(network as string) as network,
        cast(purpose as string) as purpose,
        lower(address) as deposit_address

    from source
    where account_kind = 'exchange'

)

select * from renamed
