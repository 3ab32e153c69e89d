with

source as (

    select * from {{ source('registry', 'entities') }}

),

renamed as (

    select
        cast(entity as varchar) as entity,
        cast(entity_name as varchar) as entity_name

    from source

)

select * from renamed
