with

source as (

    select * from {{ source('registry', 'liquidity_horizons') }}

),

renamed as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(horizon as string) as horizon,
        horizon_end_at

    from source

)

select * from renamed
