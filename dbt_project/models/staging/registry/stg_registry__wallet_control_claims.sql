with

source as (

    select * from {{ source('registry', 'wallet_control_claims') }}

),

renamed as (

    select
        cast(network as string) as network,
        lower(address) as address,
        cast(claimed_control as string) as claimed_control

    from source

)

select * from renamed
