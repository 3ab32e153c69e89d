{#-
    The custodian balance each reconciliation compares on a day, for EVERY synced local day of
    the account's network from the day of its first statement on (and from var('start_date')):
    the latest statement of the network's token at or before the end of the day, carried
    forward, plus the account's final movements after it and before the end of the day, with
    the account's entity, network and on-chain address and the token's contract and decimals.

    The custodian's records cover the account up to covered_at: the statement's as-of time, or
    the latest of those movements when there is one. Both sides of a comparison are taken at
    that instant (observed_at = covered_at, cutoff_at = the instant after it): what the other
    record booked later has not been reported by the custodian yet, as days after the ledger's
    last entry are not compared. So a statement without a movement feed is compared, on every
    day it stands for, against the ledger at its own as-of time: a difference it shows stays
    open (and ages) until a later statement or movement agrees.
    Read by int_reconciliation__custodian_vs_ledger and int_reconciliation__custodian_vs_onchain.
    One row per account_id × as_of_date.
-#}

with

statements as (

    select * from {{ ref('stg_custodian__balances') }}

),

movements as (

    select * from {{ ref('stg_custodian__movements') }}
    where is_final

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'custodian'

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}
    where block_date >= cast('{{ var("start_date") }}' as date)

),

token_statements as (

    select
        statements.account_id,
        statements.statement_at,
        statements.statement_date,
        statements.balance,
        accounts.entity,
        accounts.network,
        accounts.address,
        networks.token_address,
        networks.token_decimals

    from statements

    inner join accounts
        on statements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and statements.asset = networks.token_symbol

),

token_movements as (

    select
        movements.account_id,
        movements.occurred_at,
        movements.amount

    from movements

    inner join accounts
        on movements.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and movements.asset = networks.token_symbol

),

first_statements as (

    select
        account_id,
        network,
        min(statement_date) as first_date

    from token_statements
    group by account_id, network

),

account_days as (

    select
        first_statements.account_id,
        day_blocks.block_date as as_of_date,
        {{ local_day_start(add_days('day_blocks.block_date', 1)) }} as day_end_at

    from first_statements

    inner join day_blocks
        on first_statements.network = day_blocks.network

    where day_blocks.block_date >= first_statements.first_date

),

-- the latest statement at or before the end of each day
ranked as (

    select
        account_days.as_of_date,
        account_days.day_end_at,
        token_statements.*,
        row_number() over (
            partition by account_days.account_id, account_days.as_of_date
            order by token_statements.statement_at desc
        ) as recency

    from account_days

    inner join token_statements
        on
            account_days.account_id = token_statements.account_id
            and account_days.day_end_at > token_statements.statement_at

),

day_statements as (

    select
        as_of_date,
        day_end_at,
        account_id,
        statement_at,
        statement_date,
        balance,
        entity,
        network,
        address,
        token_address,
        token_decimals,
        statement_date = as_of_date as is_statement_day

    from ranked
    where recency = 1

),

-- the final movements after the statement, up to the end of the day
carried as (

    select
        day_statements.account_id,
        day_statements.as_of_date,
        cast(coalesce(sum(token_movements.amount), 0) as decimal(38, 18)) as moved_since,
        max(token_movements.occurred_at) as last_movement_at

    from day_statements

    inner join token_movements
        on
            day_statements.account_id = token_movements.account_id
            and day_statements.statement_at < token_movements.occurred_at
            and day_statements.day_end_at > token_movements.occurred_at

    group by day_statements.account_id, day_statements.as_of_date

),

covered as (

    select
        day_statements.*,
        coalesce(carried.moved_since, cast(0 as decimal(38, 18))) as moved_since,
        coalesce(carried.last_movement_at, day_statements.statement_at) as covered_at

    from day_statements

    left join carried
        on
            day_statements.account_id = carried.account_id
            and day_statements.as_of_date = carried.as_of_date

),

final as (

    select
        account_id,
        as_of_date,
        entity,
        network,
        address,
        token_address,
        token_decimals,
        statement_at,
        statement_date,
        is_statement_day,
        cast(balance as decimal(38, 18)) as statement_balance,
        cast(balance + moved_since as decimal(38, 18)) as balance,
        covered_at as observed_at,
        {{ instant_after('covered_at') }} as cutoff_at

    from covered

)

select * from final
