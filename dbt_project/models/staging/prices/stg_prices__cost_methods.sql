with

source as (

    select * from {{ source('prices', 'cost_methods') }}

),

renamed as (

    select
        cast(entity as string) as entity,
        cast(cost_method as string) as cost_method

    from source

)

select * from renamed
