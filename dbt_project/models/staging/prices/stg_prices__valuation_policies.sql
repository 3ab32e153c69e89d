with

source as (

    select * from {{ source('prices', 'valuation_policies') }}

),

renamed as (

    select
        cast(asset as string) as asset,
        cast(entity as string) as entity,
        cast(basis as string) as measurement_basis,
        cast(effective_date as date) as effective_date,
        cast(coalesce(note, '') as string) as policy_note

    from source

)

select * from renamed
