{#-
    Statement continuity: every day on which a custodian or exchange account's balance (as
    inventory_daily shows it: int_inventory__offchain_daily_positions) changed by more or less
    than its own movements / entries of the day explain - a statement that jumps. Per account
    and shown day after its first: jump = balance − (previous shown day's balance + the day's
    inflow − outflow). Summed over a period's reported days the jumps are the roll-forward's
    unexplained_change; each non-zero one is a break of the register
    (comparison `statement_continuity`, marts.reconciliation_breaks), whatever the tolerance.
    latest_date is the account's last shown day. One row per location_id × as_of_date with a
    jump.
-#}

with

positions as (

    select * from {{ ref('int_inventory__offchain_daily_positions') }}

),

sequenced as (

    select
        *,
        lag(balance) over (partition by location_id order by as_of_date) as previous_balance,
        max(as_of_date) over (partition by location_id) as latest_date

    from positions

),

jumps as (

    select
        as_of_date,
        entity,
        network,
        location_type,
        location_id,
        latest_date,
        source_as_of_at,
        balance,
        cast(previous_balance + inflow - outflow as decimal(38, 18)) as expected_balance

    from sequenced
    where previous_balance is not null

),

final as (

    select
        as_of_date,
        entity,
        network,
        location_type,
        location_id,
        'statement_continuity' as comparison,
        case
            when location_type = 'custodian' then 'custodian_statement'
            else 'exchange_export'
        end as left_source,
        'previous_balance_and_movements' as right_source,
        cast(balance as decimal(38, 18)) as left_balance,
        expected_balance as right_balance,
        cast(balance - expected_balance as decimal(38, 18)) as difference,
        source_as_of_at,
        latest_date

    from jumps
    where balance <> expected_balance

)

select * from final
