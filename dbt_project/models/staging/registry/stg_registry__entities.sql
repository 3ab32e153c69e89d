with

source as (

    select * from {{ source('registry', 'entities') }}

),

renamed as (

    select
        cast(entity as string) as entity,
        cast(entity_name as string) as entity_name

    from source

)

select * from renamed
