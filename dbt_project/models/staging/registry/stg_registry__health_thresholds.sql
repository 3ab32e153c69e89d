with

source as (

    select * from {{ source('registry', 'health_thresholds') }}

),

renamed as (

    select
        cast(signal as string) as health_signal,
        cast(warn_above as decimal(38, 18)) as warn_above,
        cast(alert_above as decimal(38, 18)) as alert_above

    from source

)

select * from renamed
