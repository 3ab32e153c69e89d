{#-
    The public reconciliation. Grain: as_of_date × network × location_id × comparison.
    Each comparison is an intermediate model of the same shape, unioned below: add a comparison
    by adding its model to `comparisons`. Status and break age are computed here, the same way
    for every comparison: a row is a break when |difference − explained_in_transit| exceeds its
    tolerance; a break opened at the first day of the unbroken run of breaks it belongs to.
-#}

with

transfers_vs_balanceof as (

    select * from {{ ref('int_reconciliation__transfers_vs_balanceof') }}

),

comparisons as (

    select * from transfers_vs_balanceof

),

measured as (

    select
        *,
        cast(left_balance - right_balance as decimal(38, 18)) as difference,
        cast(
            left_balance - right_balance - explained_in_transit as decimal(38, 18)
        ) as unexplained_difference

    from comparisons

),

classified as (

    select
        *,
        case
            when abs(unexplained_difference) <= tolerance and difference = 0 then 'matched'
            when abs(unexplained_difference) <= tolerance then 'explained'
            else 'break'
        end as status

    from measured

),

-- consecutive breaks of one location and comparison form one episode
episodes as (

    select
        *,
        sum(case when status = 'break' then 0 else 1 end) over (
            partition by network, location_id, comparison
            order by as_of_date
            rows between unbounded preceding and current row
        ) as episode

    from classified

),

opened as (

    select
        *,
        min(case when status = 'break' then as_of_date end) over (
            partition by network, location_id, comparison, episode
        ) as break_opened_date,
        min(case when status = 'break' then observed_at end) over (
            partition by network, location_id, comparison, episode
        ) as break_first_observed_at

    from episodes

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(entity as string) as entity,
        cast(network as string) as network,
        cast(location_type as string) as location_type,
        cast(location_id as string) as location_id,
        cast(comparison as string) as comparison,
        cast(left_source as string) as left_source,
        cast(right_source as string) as right_source,
        cast(left_balance as decimal(38, 18)) as left_balance,
        cast(right_balance as decimal(38, 18)) as right_balance,
        cast(difference as decimal(38, 18)) as difference,
        cast(explained_in_transit as decimal(38, 18)) as explained_in_transit,
        cast(unexplained_difference as decimal(38, 18)) as unexplained_difference,
        cast(tolerance as decimal(38, 18)) as tolerance,
        cast(status as string) as status,
        case
            when status = 'break' then break_first_observed_at
        end as break_opened_at,
        case
            when status = 'break'
                then {{ days_between('break_opened_date', 'as_of_date') }}
        end as break_age_days,
        cast(right_block_number as bigint) as right_block_number,
        observed_at

    from opened

)

select * from final
