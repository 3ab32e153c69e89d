-- Every period's closing equals inventory_daily's balance on its last reported day, and its
-- opening the balance on the day before its first reported day (when that day is shown).

with

rollforward as (

    select * from {{ ref('inventory_rollforward') }}

),

daily as (

    select * from {{ ref('inventory_daily') }}

),

closing_mismatch as (

    select
        rollforward.period,
        rollforward.network,
        rollforward.location_id,
        'closing' as side,
        rollforward.closing_balance as rollforward_balance,
        daily.balance as daily_balance

    from rollforward

    inner join daily
        on
            rollforward.network = daily.network
            and rollforward.location_id = daily.location_id
            and rollforward.reported_through_date = daily.as_of_date

    where rollforward.closing_balance != daily.balance

),

opening_mismatch as (

    select
        rollforward.period,
        rollforward.network,
        rollforward.location_id,
        'opening' as side,
        rollforward.opening_balance as rollforward_balance,
        daily.balance as daily_balance

    from rollforward

    inner join daily
        on
            rollforward.network = daily.network
            and rollforward.location_id = daily.location_id
            and {{ add_days('rollforward.reported_from_date', -1) }} = daily.as_of_date

    where rollforward.opening_balance != daily.balance

)

select * from closing_mismatch
union all
select * from opening_mismatch
