-- balance (token units) is balance_raw (base units) × 10^-decimals exactly, for every row.

with

inventory as (

    select * from {{ ref('inventory_daily') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

)

select
    inventory.as_of_date,
    inventory.network,
    inventory.location_id,
    inventory.balance,
    inventory.balance_raw,
    networks.token_decimals

from inventory

inner join networks
    on inventory.network = networks.network

where
    inventory.balance
    != {{ to_token_units('inventory.balance_raw', 'networks.token_decimals') }}
