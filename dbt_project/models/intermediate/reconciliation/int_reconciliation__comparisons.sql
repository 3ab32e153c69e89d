{#-
    Every comparison of marts.reconciliation in one shape, before in-transit explanations and
    status: as_of_date, entity, network, location, comparison, the two records (source names,
    balances), which off-chain source's in-transit movements belong to each side
    (left/right_item_source, null for an on-chain side), the time the row describes
    (observed_at) and the exclusive cut-off of what counts (cutoff_at).
    Grain: comparison × network × location_id × as_of_date.
-#}

with

transfers_vs_balanceof as (

    select
        as_of_date,
        entity,
        network,
        location_type,
        location_id,
        comparison,
        left_source,
        right_source,
        cast(null as string) as left_item_source,
        cast(null as string) as right_item_source,
        left_balance,
        right_balance,
        right_block_number,
        observed_at,
        observed_at as cutoff_at

    from {{ ref('int_reconciliation__transfers_vs_balanceof') }}

),

onchain_vs_ledger as (

    select * from {{ ref('int_reconciliation__onchain_vs_ledger') }}

),

custodian_vs_ledger as (

    select * from {{ ref('int_reconciliation__custodian_vs_ledger') }}

),

exchange_vs_ledger as (

    select * from {{ ref('int_reconciliation__exchange_vs_ledger') }}

),

custodian_vs_onchain as (

    select * from {{ ref('int_reconciliation__custodian_vs_onchain') }}

),

exchange_export_continuity as (

    select * from {{ ref('int_reconciliation__exchange_export_continuity') }}

),

offchain_negative_balance as (

    select * from {{ ref('int_reconciliation__offchain_negative_balances') }}

),

transaction_match as (

    select * from {{ ref('int_reconciliation__unmatched_transactions') }}

),

unioned as (

    select * from transfers_vs_balanceof
    union all
    select * from onchain_vs_ledger
    union all
    select * from custodian_vs_ledger
    union all
    select * from exchange_vs_ledger
    union all
    select * from custodian_vs_onchain
    union all
    select * from exchange_export_continuity
    union all
    select * from offchain_negative_balance
    union all
    select * from transaction_match

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
        cast(left_item_source as string) as left_item_source,
        cast(right_item_source as string) as right_item_source,
        cast(left_balance as decimal(38, 18)) as left_balance,
        cast(right_balance as decimal(38, 18)) as right_balance,
        cast(right_block_number as bigint) as right_block_number,
        observed_at,
        cutoff_at

    from unioned

)

select * from final
