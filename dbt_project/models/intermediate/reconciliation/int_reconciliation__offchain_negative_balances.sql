{#-
    Comparison `offchain_negative_balance`: a custodian or exchange account's balance is the
    source's own figure (a statement, a running balance, an anchor rolled with entries) and a
    holding cannot be below zero. For every shown day of an account whose known balance is
    negative on at least one day: left = its balance in inventory_daily, right = the same
    floored at zero, so a negative day is a break on that account (it never stops the build or
    the publish of the others). left_source names the file and data row the figure stands on.
    Grain: network × location_id × as_of_date.
-#}

with

positions as (

    select * from {{ ref('int_inventory__offchain_daily_positions') }}
    where balance is not null

),

negative_accounts as (

    select location_id
    from positions
    group by location_id
    having min(balance) < 0

),

compared as (

    select
        positions.as_of_date,
        positions.entity,
        positions.network,
        positions.location_type,
        positions.location_id,
        'offchain_negative_balance' as comparison,
        case positions.location_type
            when 'custodian' then 'custodian_statement'
            else 'exchange_export'
        end
        || coalesce(
            ' ' || positions.source_file_name
            || ' row ' || cast(positions.source_file_row_number as string),
            ' (configured opening balance)'
        ) as left_source,
        'zero (a holding is never below it)' as right_source,
        cast(null as string) as left_item_source,
        cast(null as string) as right_item_source,
        positions.balance as left_balance,
        cast(
            greatest(positions.balance, cast(0 as decimal(38, 18))) as decimal(38, 18)
        ) as right_balance,
        cast(null as bigint) as right_block_number,
        {{ local_day_start(add_days('positions.as_of_date', 1)) }} as observed_at,
        {{ local_day_start(add_days('positions.as_of_date', 1)) }} as cutoff_at

    from positions

    inner join negative_accounts
        on positions.location_id = negative_accounts.location_id

)

select * from compared
