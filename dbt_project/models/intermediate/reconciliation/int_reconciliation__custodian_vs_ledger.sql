{#-
    Comparison `custodian_vs_ledger`: on every local day from the account's first statement on
    (int_reconciliation__custodian_day_statements), the custodian balance of the network's
    token (left: the latest statement carried forward plus the final movements after it, at the
    time up to which the custodian's records cover the account) against the ledger balance of
    the ledger accounts mapped to that custodian account, summed over the entries posted
    before the row's cut-off (right). Days after the last ledger entry
    are not compared (the ledger has not reported them yet).
    One row per network × location_id × as_of_date.
-#}

with

day_statements as (

    select * from {{ ref('int_reconciliation__custodian_day_statements') }}

),

ledger as (

    select * from {{ ref('int_reconciliation__ledger_entries') }}
    where location_type = 'custodian'

),

ledger_coverage as (

    select max(posted_date) as last_posted_date
    from {{ ref('stg_ledger__entries') }}

),

compared as (

    select
        day_statements.as_of_date,
        day_statements.entity,
        day_statements.network,
        'custodian' as location_type,
        day_statements.account_id as location_id,
        'custodian_vs_ledger' as comparison,
        'custodian_statement' as left_source,
        'ledger' as right_source,
        'custodian' as left_item_source,
        'ledger' as right_item_source,
        day_statements.balance as left_balance,
        cast(coalesce(sum(ledger.amount), 0) as decimal(38, 18)) as right_balance,
        cast(null as bigint) as right_block_number,
        day_statements.observed_at,
        day_statements.cutoff_at

    from day_statements

    cross join ledger_coverage

    left join ledger
        on
            day_statements.account_id = ledger.location_id
            and day_statements.cutoff_at > ledger.posted_at

    where
        day_statements.as_of_date <= ledger_coverage.last_posted_date
        and exists (
            select 1 from ledger as mapped
            where mapped.location_id = day_statements.account_id
        )

    group by
        day_statements.as_of_date,
        day_statements.entity,
        day_statements.network,
        day_statements.account_id,
        day_statements.balance,
        day_statements.observed_at,
        day_statements.cutoff_at

)

select * from compared
