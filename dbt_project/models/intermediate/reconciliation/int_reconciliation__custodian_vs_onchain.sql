{#-
    Comparison `custodian_vs_onchain`: on every local day from the account's first statement on,
    the custodian balance (left: the statement on its day, else the latest statement carried
    forward plus the final movements after it; int_reconciliation__custodian_day_statements)
    against balanceOf of the custodian account's on-chain address at the check block of the
    local day its records cover (observed_at's day; right), where the address has such a
    reading (raw.onchain_balances).
    One row per network × location_id × as_of_date.
-#}

with

day_statements as (

    select * from {{ ref('int_reconciliation__custodian_day_statements') }}

),

balances as (

    select * from {{ ref('stg_onchain__balances') }}
    where period_type = 'day'

),

compared as (

    select
        day_statements.as_of_date,
        day_statements.entity,
        day_statements.network,
        'custodian' as location_type,
        day_statements.account_id as location_id,
        'custodian_vs_onchain' as comparison,
        'custodian_statement' as left_source,
        'onchain_balance_of' as right_source,
        'custodian' as left_item_source,
        cast(null as string) as right_item_source,
        day_statements.balance as left_balance,
        {{ to_token_units('balances.balance_raw', 'day_statements.token_decimals') }}
            as right_balance,
        balances.block_number as right_block_number,
        day_statements.observed_at,
        day_statements.cutoff_at

    from day_statements

    inner join balances
        on
            day_statements.network = balances.network
            and day_statements.address = balances.address
            and day_statements.token_address = balances.token_address
            and {{ to_local_date('day_statements.observed_at') }} = balances.block_date

)

select * from compared
