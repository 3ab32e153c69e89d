{#-
    Comparison `custodian_vs_onchain`: on every custodian statement day, the statement's total
    balance (left) against balanceOf of the custodian account's on-chain address at the day's
    check block (right), where the address has such a reading (raw.onchain_balances).
    One row per network × location_id × as_of_date.
-#}

with

statements as (

    select * from {{ ref('stg_custodian__balances') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'custodian' and address is not null

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

balances as (

    select * from {{ ref('stg_onchain__balances') }}
    where period_type = 'day'

),

day_statements as (

    select
        statements.*,
        accounts.entity,
        accounts.network,
        accounts.address,
        networks.token_address,
        networks.token_decimals,
        row_number() over (
            partition by statements.account_id, statements.statement_date
            order by statements.statement_at desc
        ) as recency

    from statements

    inner join accounts
        on statements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and statements.asset = networks.token_symbol

),

compared as (

    select
        day_statements.statement_date as as_of_date,
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
        day_statements.statement_at as observed_at,
        {{ instant_after('day_statements.statement_at') }} as cutoff_at

    from day_statements

    inner join balances
        on
            day_statements.network = balances.network
            and day_statements.address = balances.address
            and day_statements.token_address = balances.token_address
            and day_statements.statement_date = balances.block_date

    where day_statements.recency = 1

)

select * from compared
