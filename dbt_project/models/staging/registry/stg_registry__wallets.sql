with

source as (

    select * from {{ source('registry', 'wallets') }}

),

renamed as (

    select
        ---------- ids
        cast(network as varchar) as network,
        lower(address) as address,
        cast(entity as varchar) as entity,

        ---------- description
        cast(label as varchar) as wallet_label,
        cast(purpose as varchar) as purpose,
        cast(custody_provider as varchar) as custody_provider,
        cast(ownership as varchar) as ownership

    from source

)

select * from renamed
