{#-
    The custodian statement each reconciliation compares on a day: the latest statement of the
    network's token per custodian account and local statement day, with the account's entity,
    network and on-chain address and the token's contract and decimals. Read by
    int_reconciliation__custodian_vs_ledger and int_reconciliation__custodian_vs_onchain.
    One row per account_id × statement_date.
-#}

with

statements as (

    select * from {{ ref('stg_custodian__balances') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'custodian'

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

ranked as (

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

final as (

    select * exclude (recency)
    from ranked
    where recency = 1

)

select * from final
