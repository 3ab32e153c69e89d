{#-
    Comparison `onchain_vs_ledger`: at the end of every synced local day, the final-transfer
    balance of each registry wallet that a ledger account maps to (left) against the ledger
    balance of the accounts mapped to it, summed over the entries posted before the end of the
    day (right). Compared from the day of the location's first ledger entry to the last day
    the ledger covers. One row per network × location_id × as_of_date.
-#}

with

positions as (

    select * from {{ ref('int_inventory__wallet_daily_positions') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

ledger as (

    select * from {{ ref('int_reconciliation__ledger_entries') }}
    where location_type = 'wallet'

),

ledger_coverage as (

    select max(posted_date) as last_posted_date
    from {{ ref('stg_ledger__entries') }}

),

mapped as (

    select
        network,
        location_id,
        min(posted_date) as first_posted_date

    from ledger
    group by network, location_id

),

wallet_days as (

    select
        positions.as_of_date,
        wallets.entity,
        positions.network,
        positions.address,
        positions.balance,
        {{ local_day_start(add_days('positions.as_of_date', 1)) }} as cutoff_at

    from positions

    inner join wallets
        on
            positions.network = wallets.network
            and positions.address = wallets.address

    inner join mapped
        on
            positions.network = mapped.network
            and positions.address = mapped.location_id

    cross join ledger_coverage

    where
        positions.as_of_date >= mapped.first_posted_date
        and positions.as_of_date <= ledger_coverage.last_posted_date

),

compared as (

    select
        wallet_days.as_of_date,
        wallet_days.entity,
        wallet_days.network,
        'wallet' as location_type,
        wallet_days.address as location_id,
        'onchain_vs_ledger' as comparison,
        'onchain_transfers' as left_source,
        'ledger' as right_source,
        cast(null as string) as left_item_source,
        'ledger' as right_item_source,
        wallet_days.balance as left_balance,
        cast(coalesce(sum(ledger.amount), 0) as decimal(38, 18)) as right_balance,
        cast(null as bigint) as right_block_number,
        wallet_days.cutoff_at as observed_at,
        wallet_days.cutoff_at

    from wallet_days

    left join ledger
        on
            wallet_days.network = ledger.network
            and wallet_days.address = ledger.location_id
            and wallet_days.cutoff_at > ledger.posted_at

    group by
        wallet_days.as_of_date,
        wallet_days.entity,
        wallet_days.network,
        wallet_days.address,
        wallet_days.balance,
        wallet_days.cutoff_at

)

select * from compared
