with

source as (

    select * from {{ source('registry', 'concentration_limits') }}

),

renamed as (

    select
        ---------- ids
        cast(rule_index as integer) as rule_index,
        cast(entity as string) as entity,
        cast(dimension as string) as dimension,
        cast(dimension_value as string) as dimension_value,

        ---------- limits
        cast(max_share as decimal(38, 18)) as max_share,
        cast(max_amount as decimal(38, 18)) as max_amount,
        cast(limit_source as string) as limit_source

    from source

)

select * from renamed
