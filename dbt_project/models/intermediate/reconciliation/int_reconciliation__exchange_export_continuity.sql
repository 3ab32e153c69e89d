{#-
    Comparison `exchange_export_continuity`: consecutive exports (and balance figures) of one
    exchange account must chain - the opening an export implies (its first running balance
    less its first entry) equals the running balance at its start in the previous one, and
    every running balance equals the previous one plus the entries between them.

    For every day an exchange account with at least two anchors (int_inventory__exchange_anchors)
    is shown in inventory_daily: left = what the export says the account holds (its balance
    there), right = the account's first anchor chained through every final entry loaded up
    to the end of the day. The difference is the sum of the anchors' offset_change up to the
    end of the day: a missing window between two exports, a running balance that does not add
    up. It stays (and ages as a break) until the missing entries are loaded; overlapping
    exports count each entry once (stg_exchange__entries keeps one row per entry id).
    right_source names the latest anchor that did not add up: its file and row, the previous
    figure's file and row, the window between them and the two figures.
    Grain: network × location_id × as_of_date.
-#}

with

anchors as (

    select * from {{ ref('int_inventory__exchange_anchors') }}

),

positions as (

    select * from {{ ref('int_inventory__offchain_daily_positions') }}
    where location_type = 'exchange' and balance_status != 'unanchored'

),

chained_accounts as (

    select account_id
    from anchors
    group by account_id
    having count(*) >= 2

),

account_days as (

    select
        positions.as_of_date,
        positions.entity,
        positions.network,
        positions.location_id,
        positions.balance,
        {{ local_day_start(add_days('positions.as_of_date', 1)) }} as cutoff_at

    from positions

    inner join chained_accounts
        on positions.location_id = chained_accounts.account_id

),

day_changes as (

    select
        account_days.location_id,
        account_days.as_of_date,
        cast(coalesce(sum(anchors.offset_change), 0) as decimal(38, 18)) as unchained_change

    from account_days

    left join anchors
        on
            account_days.location_id = anchors.account_id
            and account_days.cutoff_at > anchors.anchor_at

    group by account_days.location_id, account_days.as_of_date

),

-- the latest anchor up to the end of the day that does not chain with the one before it
day_jumps as (

    select
        account_days.location_id,
        account_days.as_of_date,
        anchors.anchor_at,
        anchors.file_name,
        anchors.file_row_number,
        anchors.implied_opening_balance,
        anchors.previous_anchor_at,
        anchors.previous_balance,
        anchors.previous_file_name,
        anchors.previous_file_row_number,
        row_number() over (
            partition by account_days.location_id, account_days.as_of_date
            order by anchors.anchor_number desc
        ) as recency

    from account_days

    inner join anchors
        on
            account_days.location_id = anchors.account_id
            and account_days.cutoff_at > anchors.anchor_at
            and anchors.offset_change != 0

),

compared as (

    select
        account_days.as_of_date,
        account_days.entity,
        account_days.network,
        'exchange' as location_type,
        account_days.location_id,
        'exchange_export_continuity' as comparison,
        'exchange_export' as left_source,
        'entries chained from the first figure'
        || case
            when day_jumps.location_id is not null
                then
                    ' (last jump: '
                    || coalesce(day_jumps.file_name, 'configured opening balance')
                    || coalesce(' row ' || cast(day_jumps.file_row_number as string), '')
                    || ' at ' || {{ utc_timestamp_text('day_jumps.anchor_at') }}
                    || ' implies ' || {{ decimal_text('day_jumps.implied_opening_balance') }}
                    || ' after '
                    || coalesce(day_jumps.previous_file_name, 'configured opening balance')
                    || coalesce(
                        ' row ' || cast(day_jumps.previous_file_row_number as string), ''
                    )
                    || ' at ' || {{ utc_timestamp_text('day_jumps.previous_anchor_at') }}
                    || ' showing ' || {{ decimal_text('day_jumps.previous_balance') }}
                    || ')'
            else ''
        end as right_source,
        cast(null as string) as left_item_source,
        cast(null as string) as right_item_source,
        account_days.balance as left_balance,
        cast(account_days.balance - day_changes.unchained_change as decimal(38, 18))
            as right_balance,
        cast(null as bigint) as right_block_number,
        account_days.cutoff_at as observed_at,
        account_days.cutoff_at

    from account_days

    inner join day_changes
        on
            account_days.location_id = day_changes.location_id
            and account_days.as_of_date = day_changes.as_of_date

    left join day_jumps
        on
            account_days.location_id = day_jumps.location_id
            and account_days.as_of_date = day_jumps.as_of_date
            and day_jumps.recency = 1

)

select * from compared
