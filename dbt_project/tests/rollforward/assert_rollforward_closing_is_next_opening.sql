-- A period's closing balance is the next period's (same type) opening balance, per location.

with

rollforward as (

    select * from {{ ref('inventory_rollforward') }}

),

ordered as (

    select
        period,
        period_type,
        network,
        location_id,
        closing_balance,
        lead(opening_balance) over (
            partition by period_type, network, location_id
            order by period_start_date
        ) as next_opening_balance

    from rollforward

)

select * from ordered
where next_opening_balance is not null and next_opening_balance != closing_balance
