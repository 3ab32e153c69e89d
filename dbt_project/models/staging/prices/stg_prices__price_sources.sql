with

source as (

    select * from {{ source('prices', 'price_sources') }}

),

renamed as (

    select
        cast(asset as string) as asset,
        cast(source as string) as price_source,
        cast(priority as integer) as priority,
        cast(priority as integer) = 1 as is_principal

    from source

)

select * from renamed
