{#-
    The public reconciliation. Grain: as_of_date × network × location_id × comparison.
    Each comparison is an intermediate model of the same shape, unioned in
    int_reconciliation__comparisons. Here, the same way for every comparison:
    - explained_in_transit: the part of the difference that matched movements in flight at
      the row's cut-off explain (int_reconciliation__in_transit_explanations), and which;
    - tolerance and max_break_age_days from the configuration (reconciliation.comparisons);
    - status: matched when |difference| <= tolerance, explained when |difference −
      explained_in_transit| <= tolerance, else break;
    - source_as_of_at: the as-of time of the source figure the row stands on (for a custodian
      comparison the statement carried forward, int_reconciliation__custodian_day_statements;
      otherwise observed_at);
    - a break opened on the first as_of day of the unbroken run of non-matched rows of its
      location and comparison it belongs to (a difference first explained, then no longer, is
      one episode); break_age_days counts from that day.
-#}

with

comparisons as (

    select * from {{ ref('int_reconciliation__comparisons') }}

),

explanations as (

    select * from {{ ref('int_reconciliation__in_transit_explanations') }}

),

settings as (

    select * from {{ ref('stg_registry__reconciliation_comparisons') }}

),

custodian_days as (

    select * from {{ ref('int_reconciliation__custodian_day_statements') }}

),

measured as (

    select
        comparisons.*,
        cast(comparisons.left_balance - comparisons.right_balance as decimal(38, 18))
            as difference,
        cast(coalesce(explanations.explained_in_transit, 0) as decimal(38, 18))
            as explained_in_transit,
        cast(coalesce(explanations.in_transit_item_count, 0) as bigint)
            as in_transit_item_count,
        explanations.in_transit_items,
        cast(coalesce(settings.tolerance, 0) as decimal(38, 18)) as tolerance,
        cast(coalesce(settings.max_break_age_days, 3) as integer) as max_break_age_days,
        coalesce(custodian_days.statement_at, comparisons.observed_at) as source_as_of_at

    from comparisons

    left join explanations
        on
            comparisons.comparison = explanations.comparison
            and comparisons.network = explanations.network
            and comparisons.location_id = explanations.location_id
            and comparisons.as_of_date = explanations.as_of_date

    left join settings
        on comparisons.comparison = settings.comparison

    left join custodian_days
        on
            comparisons.left_source = 'custodian_statement'
            and comparisons.location_id = custodian_days.account_id
            and comparisons.as_of_date = custodian_days.as_of_date

),

classified as (

    select
        *,
        cast(difference - explained_in_transit as decimal(38, 18)) as unexplained_difference,
        case
            when abs(difference) <= tolerance then 'matched'
            when abs(difference - explained_in_transit) <= tolerance then 'explained'
            else 'break'
        end as status

    from measured

),

-- consecutive non-matched rows of one location and comparison form one episode
episodes as (

    select
        *,
        sum(case when status = 'matched' then 1 else 0 end) over (
            partition by network, location_id, comparison
            order by as_of_date
            rows between unbounded preceding and current row
        ) as episode

    from classified

),

opened as (

    select
        *,
        min(as_of_date) over (
            partition by network, location_id, comparison, episode, status = 'matched'
        ) as run_opened_date,
        min(observed_at) over (
            partition by network, location_id, comparison, episode, status = 'matched'
        ) as run_first_observed_at

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
            when status = 'break' then run_first_observed_at
        end as break_opened_at,
        case
            when status = 'break' then {{ days_between('run_opened_date', 'as_of_date') }}
        end as break_age_days,
        cast(right_block_number as bigint) as right_block_number,
        observed_at,
        cast(case when status = 'break' then run_opened_date end as date) as break_opened_date,
        cast(max_break_age_days as integer) as max_break_age_days,
        cast(in_transit_item_count as bigint) as in_transit_item_count,
        cast(in_transit_items as string) as in_transit_items,
        source_as_of_at

    from opened

)

select * from final
