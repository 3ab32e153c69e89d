{#- What people did to the breaks of the register, one row per action (append-only). -#}

with

source as (

    select * from {{ source('audit', 'break_events') }}

),

renamed as (

    select
        cast(event_id as string) as event_id,
        cast(break_id as string) as break_id,
        cast(action as string) as action,  -- noqa: RF04
        cast(status as string) as status,
        cast(owner as string) as owner,  -- noqa: RF04
        cast(reason as string) as reason,
        cast(note as string) as note,
        cast(actor as string) as actor,
        recorded_at

    from source

)

select * from renamed
