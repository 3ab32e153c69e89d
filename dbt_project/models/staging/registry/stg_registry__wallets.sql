with

source as (

    select * from {{ source('registry', 'wallets') }}

),

renamed as (

    select
        ---------- ids
        cast(network as string) as network,
        lower(address) as address,
        cast(entity as string) as entity,

        ---------- description
        cast(label as string) as wallet_label,
        cast(purpose as string) as purpose,
        cast(custody_provider as string) as custody_provider,
        cast(ownership as string) as ownership

    from source

)

select * from renamed
