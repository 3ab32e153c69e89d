{#-
    The reporting periods of each network: every calendar month and quarter (in the reporting
    time zone, since days are local) that holds at least one synced day shown in the marts.
    A period still running is reported through its last synced day.
-#}

with

positions as (

    select * from {{ ref('int_inventory__wallet_daily_positions') }}

),

shown_days as (

    select
        network,
        min(as_of_date) as first_shown_date,
        max(as_of_date) as last_shown_date

    from positions
    group by network

),

network_days as (

    select distinct
        network,
        as_of_date

    from positions

),

month_starts as (

    select distinct
        network,
        'month' as period_type,
        {{ truncate_to_period('month', 'as_of_date') }} as period_start_date

    from network_days

),

quarter_starts as (

    select distinct
        network,
        'quarter' as period_type,
        {{ truncate_to_period('quarter', 'as_of_date') }} as period_start_date

    from network_days

),

period_starts as (

    select * from month_starts
    union all
    select * from quarter_starts

),

bounded as (

    select
        period_starts.network,
        period_starts.period_type,
        period_starts.period_start_date,
        {{ add_days(
            add_months(
                'period_starts.period_start_date',
                "case when period_starts.period_type = 'month' then 1 else 3 end"
            ),
            -1
        ) }} as period_end_date,
        shown_days.first_shown_date,
        shown_days.last_shown_date

    from period_starts

    inner join shown_days
        on period_starts.network = shown_days.network

),

named as (

    select
        network,
        period_type,
        case
            when period_type = 'month'
                then
                    cast(extract(year from period_start_date) as string) || '-'
                    || lpad(cast(extract(month from period_start_date) as string), 2, '0')
            else
                cast(extract(year from period_start_date) as string) || '-Q'
                || cast(extract(quarter from period_start_date) as string)
        end as period,
        period_start_date,
        period_end_date,
        -- the first period may begin before the first shown day: its opening is then the
        -- balance carried into that day (history before it is still loaded)
        case
            when first_shown_date > period_start_date then first_shown_date
            else period_start_date
        end as reported_from_date,
        case
            when last_shown_date < period_end_date then last_shown_date
            else period_end_date
        end as reported_through_date,
        last_shown_date >= period_end_date as is_period_complete

    from bounded

)

select * from named
