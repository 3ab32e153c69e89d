with

source as (

    select * from {{ source('registry', 'liquidity_schedule') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(channel_kind as string) as channel_kind,
        cast(channel_key as string) as channel_key,
        as_of_at,
        token_ready_at,
        usd_ready_at

    from source

)

select * from renamed
