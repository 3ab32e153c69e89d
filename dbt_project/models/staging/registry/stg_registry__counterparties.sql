with

source as (

    select * from {{ source('registry', 'counterparties') }}

),

renamed as (

    select
        cast(network as string) as network,
        lower(address) as address,
        cast(counterparty_name as string) as counterparty_name,
        cast(counterparty_kind as string) as counterparty_kind

    from source

)

select * from renamed
