with

source as (

    select * from {{ source('registry', 'reconciliation_comparisons') }}

),

renamed as (

    select
        cast(comparison as string) as comparison,
        cast(tolerance as decimal(38, 18)) as tolerance,
        cast(max_break_age_days as integer) as max_break_age_days,
        cast(in_transit_window_hours as integer) as in_transit_window_hours

    from source

)

select * from renamed
