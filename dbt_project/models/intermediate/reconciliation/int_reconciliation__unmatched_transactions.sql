{#-
    Comparison `transaction_match`: at the end of every synced local day, from the day of a
    location's first break-eligible item (int_reconciliation__transaction_matches) on, the
    gross amount of its records and transfers left unmatched longer than the window (left:
    the sum of |amount| of the items whose first record is more than window_hours before the
    day's end and whose counterpart was not recorded by then) against zero (right: nothing
    should stay unmatched). Gross, so an unmatched withdrawal and an unrelated unmatched
    transfer never cancel out. Neither side has in-transit items: an item unmatched past the
    window is no longer in flight. One row per network × location_id × as_of_date.
-#}

with

settings as (

    select coalesce(max(in_transit_window_hours), 72) as window_hours
    from {{ ref('stg_registry__reconciliation_comparisons') }}

),

items as (

    select * from {{ ref('int_reconciliation__transaction_matches') }}
    where is_break_eligible

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

accounts as (

    select * from {{ ref('stg_registry__accounts') }}

),

locations as (

    select
        items.network,
        items.location_type,
        items.location_id,
        coalesce(wallets.entity, accounts.entity) as entity,
        min({{ to_local_date('items.first_at') }}) as first_date

    from items

    left join wallets
        on
            items.network = wallets.network
            and items.location_id = wallets.address

    left join accounts
        on items.location_id = accounts.account_id

    group by
        items.network,
        items.location_type,
        items.location_id,
        coalesce(wallets.entity, accounts.entity)

),

location_days as (

    select
        locations.*,
        day_blocks.block_date as as_of_date,
        {{ local_day_start(add_days('day_blocks.block_date', 1)) }} as cutoff_at

    from locations

    inner join day_blocks
        on locations.network = day_blocks.network

    where
        day_blocks.block_date >= locations.first_date
        and day_blocks.block_date >= cast('{{ var("start_date") }}' as date)

),

compared as (

    select
        location_days.as_of_date,
        location_days.entity,
        location_days.network,
        location_days.location_type,
        location_days.location_id,
        'transaction_match' as comparison,
        'unmatched_transactions' as left_source,
        'expected_unmatched' as right_source,
        cast(null as string) as left_item_source,
        cast(null as string) as right_item_source,
        cast(
            coalesce(
                sum(
                    case
                        when
                            {{ seconds_between('items.first_at', 'location_days.cutoff_at') }}
                            > settings.window_hours * 3600
                            and (
                                items.second_at is null
                                or items.second_at >= location_days.cutoff_at
                            )
                            then abs(items.amount)
                        else 0
                    end
                ),
                0
            ) as decimal(38, 18)
        ) as left_balance,
        cast(0 as decimal(38, 18)) as right_balance,
        cast(null as bigint) as right_block_number,
        location_days.cutoff_at as observed_at,
        location_days.cutoff_at

    from location_days

    cross join settings

    left join items
        on
            location_days.network = items.network
            and location_days.location_id = items.location_id
            and location_days.cutoff_at > items.first_at

    group by
        location_days.as_of_date,
        location_days.entity,
        location_days.network,
        location_days.location_type,
        location_days.location_id,
        location_days.cutoff_at

)

select * from compared
