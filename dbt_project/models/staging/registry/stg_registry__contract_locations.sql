with

source as (

    select * from {{ source('registry', 'contract_locations') }}

),

renamed as (

    select
        cast(network as string) as network,
        lower(address) as address,
        cast(lock_reason as string) as lock_reason

    from source

)

select * from renamed
