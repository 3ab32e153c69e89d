{#-
    Comparison `exchange_vs_ledger`: at the end of every synced local day of the account's
    network from the day of its first final exchange entry to the last day the ledger covers
    (an export is taken as complete up to then: no entry, no movement), the exchange
    balance of the network's token (left: what the exchange says the account holds, as
    inventory_daily shows it - its running balance or anchor rolled with the final entries;
    an unanchored account is not compared) against the ledger balance of the ledger
    accounts mapped to the exchange account (right). One row per network × location_id × as_of_date.
-#}

with

entries as (

    select * from {{ ref('stg_exchange__entries') }}
    where is_final

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}
    where account_kind = 'exchange'

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}

),

ledger as (

    select * from {{ ref('int_reconciliation__ledger_entries') }}
    where location_type = 'exchange'

),

ledger_coverage as (

    select max(posted_date) as last_posted_date
    from {{ ref('stg_ledger__entries') }}

),

token_entries as (

    select
        entries.account_id,
        accounts.entity,
        accounts.network,
        entries.occurred_at,
        {{ to_local_date('entries.occurred_at') }} as occurred_date,
        cast(
            entries.amount
            - case
                when coalesce(entries.fee_asset, entries.asset) = entries.asset then entries.fee
                else cast(0 as decimal(38, 18))
            end
            as decimal(38, 18)
        ) as net_amount

    from entries

    inner join accounts
        on entries.account_id = accounts.account_id

    inner join networks
        on
            accounts.network = networks.network
            and entries.asset = networks.token_symbol

),

coverage as (

    select
        account_id,
        entity,
        network,
        min(occurred_date) as first_date

    from token_entries
    group by account_id, entity, network

),

account_days as (

    select
        coverage.account_id,
        coverage.entity,
        coverage.network,
        day_blocks.block_date as as_of_date,
        {{ local_day_start(add_days('day_blocks.block_date', 1)) }} as cutoff_at

    from coverage

    cross join ledger_coverage

    inner join day_blocks
        on coverage.network = day_blocks.network

    where
        day_blocks.block_date >= coverage.first_date
        and day_blocks.block_date >= cast('{{ var("start_date") }}' as date)
        and day_blocks.block_date <= ledger_coverage.last_posted_date
        and exists (
            select 1 from ledger as mapped
            where mapped.location_id = coverage.account_id
        )

),

-- what the exchange says the account holds (inventory_daily's balance: its running balance
-- or anchor rolled with the entries); an unanchored account has no balance to compare
exchange_side as (

    select
        account_days.account_id,
        account_days.as_of_date,
        positions.balance

    from account_days

    inner join {{ ref('int_inventory__offchain_daily_positions') }} as positions
        on
            account_days.account_id = positions.location_id
            and account_days.as_of_date = positions.as_of_date

    where positions.balance is not null

),

ledger_side as (

    select
        account_days.account_id,
        account_days.as_of_date,
        cast(coalesce(sum(ledger.amount), 0) as decimal(38, 18)) as balance

    from account_days

    left join ledger
        on
            account_days.account_id = ledger.location_id
            and account_days.cutoff_at > ledger.posted_at

    group by account_days.account_id, account_days.as_of_date

),

compared as (

    select
        account_days.as_of_date,
        account_days.entity,
        account_days.network,
        'exchange' as location_type,
        account_days.account_id as location_id,
        'exchange_vs_ledger' as comparison,
        'exchange_export' as left_source,
        'ledger' as right_source,
        'exchange' as left_item_source,
        'ledger' as right_item_source,
        exchange_side.balance as left_balance,
        ledger_side.balance as right_balance,
        cast(null as bigint) as right_block_number,
        account_days.cutoff_at as observed_at,
        account_days.cutoff_at

    from account_days

    inner join exchange_side
        on
            account_days.account_id = exchange_side.account_id
            and account_days.as_of_date = exchange_side.as_of_date

    inner join ledger_side
        on
            account_days.account_id = ledger_side.account_id
            and account_days.as_of_date = ledger_side.as_of_date

)

select * from compared
