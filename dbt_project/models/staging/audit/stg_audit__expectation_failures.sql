{#- Failed expectations of the quality suites, one row per failure per suite run. -#}

with

source as (

    select * from {{ source('audit', 'expectation_failures') }}

),

renamed as (

    select
        cast(run_id as string) as run_id,
        checked_at,
        cast(suite as string) as suite,
        cast(table_name as string) as table_name,
        cast(expectation as string) as expectation,
        cast(description as string) as expectation_description,
        cast(severity as string) as severity,
        cast(unexpected_count as bigint) as unexpected_count,
        cast(sample_json as string) as sample_json,
        cast(keys_json as string) as keys_json,
        cast(values_json as string) as values_json

    from source

)

select * from renamed
