{#-
    The reporting periods (months and quarters, cut in the reporting time zone) as one row per
    period across networks, with the day they are measured at: the period end, or, for a
    period still running, its last reported day (is_period_complete false).
-#}

with

periods as (

    select * from {{ ref('int_inventory__periods') }}

),

final as (

    select
        period,
        period_type,
        min(period_start_date) as period_start_date,
        max(period_end_date) as period_end_date,
        max(reported_through_date) as as_of_date,
        min(case when is_period_complete then 1 else 0 end) = 1 as is_period_complete

    from periods
    group by period, period_type

)

select * from final
