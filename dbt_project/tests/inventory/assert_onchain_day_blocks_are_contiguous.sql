{{ config(severity='warn') }}

-- Synced days of a network have no holes: a missing day would hide that day's flows from
-- inventory_daily (its balance would still be right from the next shown day on).

with

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}

),

with_previous as (

    select
        network,
        block_date,
        lag(block_date) over (partition by network order by block_date) as previous_block_date

    from day_blocks

)

select
    network,
    previous_block_date,
    block_date

from with_previous

where
    previous_block_date is not null
    and {{ add_days('previous_block_date', 1) }} != block_date
