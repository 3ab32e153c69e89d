{#-
    The open breaks, one row each: for every location × comparison whose latest reconciliation
    row is a break, what a person needs to act - the location (type, label, provider,
    network, entity, ownership), both records with their values, the difference and the part
    left unexplained, the tolerance, when the break opened and how old it is against the
    configured max_break_age_days, the in-transit movements considered, a sentence saying it
    in plain words, and the failed expectation that flagged it (audit.expectation_failures,
    matched on the network, location id and comparison in the failure's keys_json, since the
    day the break opened). Only run-independent facts are kept (when it was first flagged, and
    by which check), so re-running the checks on the same data does not change this mart.
    Grain: network × location_id × comparison.
-#}

with

reconciliation as (

    select * from {{ ref('reconciliation') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

failures as (

    select * from {{ ref('stg_audit__expectation_failures') }}

),

latest as (

    select
        *,
        row_number() over (
            partition by network, location_id, comparison
            order by as_of_date desc
        ) as recency

    from reconciliation

),

open_breaks as (

    select * from latest
    where recency = 1 and status = 'break'

),

described as (

    select
        open_breaks.*,
        coalesce(wallets.wallet_label, accounts.account_id, open_breaks.location_id)
            as location_label,
        coalesce(wallets.custody_provider, accounts.provider, 'self') as custody_provider,
        coalesce(wallets.ownership, accounts.ownership) as ownership,
        case open_breaks.left_source
            when 'custodian_statement' then coalesce(accounts.provider, 'custodian') || ' statement'
            when 'exchange_export' then coalesce(accounts.provider, 'exchange') || ' export'
            when 'onchain_transfers' then 'on-chain transfers'
            when 'onchain_balance_of' then 'on-chain balanceOf'
            else open_breaks.left_source
        end as left_label,
        case open_breaks.right_source
            when 'custodian_statement' then coalesce(accounts.provider, 'custodian') || ' statement'
            when 'exchange_export' then coalesce(accounts.provider, 'exchange') || ' export'
            when 'onchain_transfers' then 'on-chain transfers'
            when 'onchain_balance_of' then 'on-chain balanceOf'
            else open_breaks.right_source
        end as right_label

    from open_breaks

    left join wallets
        on
            open_breaks.location_type in ('wallet', 'contract')
            and open_breaks.network = wallets.network
            and open_breaks.location_id = wallets.address

    left join accounts
        on
            open_breaks.location_type in ('custodian', 'exchange')
            and open_breaks.location_id = accounts.account_id

),

named_failures as (

    select
        described.network,
        described.location_id,
        described.comparison,
        failures.suite,
        failures.expectation,
        failures.expectation_description,
        min(failures.checked_at) over (
            partition by described.network, described.location_id, described.comparison
        ) as first_flagged_at,
        row_number() over (
            partition by described.network, described.location_id, described.comparison
            order by failures.suite asc, failures.expectation asc, failures.checked_at asc
        ) as recency

    from described

    inner join failures
        on
            json_extract_string(failures.keys_json, '$.network') = described.network
            and json_extract_string(failures.keys_json, '$.location_id') = described.location_id
            and json_extract_string(failures.keys_json, '$.comparison') = described.comparison
            and cast(json_extract_string(failures.keys_json, '$.as_of_date') as date)
            >= described.break_opened_date

),

final as (

    select
        cast(described.comparison as string) as comparison,
        cast(described.entity as string) as entity,
        cast(described.network as string) as network,
        cast(described.location_type as string) as location_type,
        cast(described.location_id as string) as location_id,
        cast(described.location_label as string) as location_label,
        cast(described.custody_provider as string) as custody_provider,
        cast(described.ownership as string) as ownership,
        cast(described.as_of_date as date) as as_of_date,
        described.observed_at,
        cast(described.left_source as string) as left_source,
        cast(described.left_balance as decimal(38, 18)) as left_balance,
        cast(described.right_source as string) as right_source,
        cast(described.right_balance as decimal(38, 18)) as right_balance,
        cast(described.difference as decimal(38, 18)) as difference,
        cast(described.explained_in_transit as decimal(38, 18)) as explained_in_transit,
        cast(described.unexplained_difference as decimal(38, 18)) as unexplained_difference,
        cast(described.tolerance as decimal(38, 18)) as tolerance,
        described.break_opened_at,
        cast(described.break_opened_date as date) as break_opened_date,
        cast(described.break_age_days as integer) as break_age_days,
        cast(described.max_break_age_days as integer) as max_break_age_days,
        cast(described.break_age_days > described.max_break_age_days as boolean) as is_overdue,
        cast(described.in_transit_item_count as bigint) as in_transit_item_count,
        cast(described.explained_in_transit as decimal(38, 18)) as in_transit_total,
        cast(described.in_transit_items as string) as in_transit_items,
        cast(
            described.left_label || ' ' || cast(described.as_of_date as string) || ' shows '
            || {{ decimal_text('described.left_balance') }} || ', '
            || described.right_label || ' shows '
            || {{ decimal_text('described.right_balance') }}
            || ': difference ' || {{ decimal_text('described.difference') }}
            || case
                when described.in_transit_item_count = 0
                    then '; no in-transit item explains it'
                else
                    '; ' || cast(described.in_transit_item_count as string)
                    || ' in-transit item(s) explain '
                    || {{ decimal_text('described.explained_in_transit') }}
                    || ', unexplained ' || {{ decimal_text('described.unexplained_difference') }}
            end
            || ' (tolerance ' || {{ decimal_text('described.tolerance') }}
            || '); open since ' || cast(described.break_opened_date as string)
            || ', ' || cast(described.break_age_days as string) || ' day(s)'
            as string
        ) as description,
        named_failures.first_flagged_at,
        cast(named_failures.suite as string) as latest_failure_suite,
        cast(named_failures.expectation as string) as latest_failure_expectation,
        cast(named_failures.expectation_description as string) as latest_failure_description

    from described

    left join named_failures
        on
            described.network = named_failures.network
            and described.location_id = named_failures.location_id
            and described.comparison = named_failures.comparison
            and named_failures.recency = 1

)

select * from final
