-- Every wallet row of inventory_daily, recomputed straight from the movements with a range join
-- (no window functions): balance and pending are the sums up to the end of the day, flows and
-- transfer_count the sums of the day. Returns the rows that disagree.

with

inventory as (

    select * from {{ ref('inventory_daily') }}
    where location_type = 'wallet'

),

movements as (

    select * from {{ ref('int_inventory__wallet_movements') }}

),

recomputed as (

    select
        inventory.as_of_date,
        inventory.network,
        inventory.location_id,

        cast(coalesce(sum(
            case when movements.is_final then movements.signed_amount_raw end
        ), 0) as decimal(38, 0)) as balance_raw,

        cast(coalesce(sum(
            case when movements.is_final then movements.signed_amount end
        ), 0) as decimal(38, 18)) as balance,

        cast(coalesce(sum(
            case
                when
                    movements.is_final
                    and movements.direction = 'in'
                    and movements.block_date = inventory.as_of_date
                    then movements.amount
            end
        ), 0) as decimal(38, 18)) as inflow,

        cast(coalesce(sum(
            case
                when
                    movements.is_final
                    and movements.direction = 'out'
                    and movements.block_date = inventory.as_of_date
                    then movements.amount
            end
        ), 0) as decimal(38, 18)) as outflow,

        cast(coalesce(sum(
            case
                when
                    movements.is_final
                    and movements.block_date = inventory.as_of_date
                    and not (movements.is_self_transfer and movements.direction = 'in')
                    then 1
            end
        ), 0) as bigint) as transfer_count,

        cast(coalesce(sum(
            case
                when not movements.is_final and movements.direction = 'in'
                    then movements.amount
            end
        ), 0) as decimal(38, 18)) as pending_in,

        cast(coalesce(sum(
            case
                when not movements.is_final and movements.direction = 'out'
                    then movements.amount
            end
        ), 0) as decimal(38, 18)) as pending_out

    from inventory

    left join movements
        on
            inventory.network = movements.network
            and inventory.location_id = movements.address
            and inventory.as_of_date >= movements.block_date

    group by inventory.as_of_date, inventory.network, inventory.location_id

)

select
    inventory.as_of_date,
    inventory.network,
    inventory.location_id,
    inventory.balance,
    recomputed.balance as recomputed_balance,
    inventory.pending_in,
    recomputed.pending_in as recomputed_pending_in,
    inventory.pending_out,
    recomputed.pending_out as recomputed_pending_out

from inventory

inner join recomputed
    on
        inventory.as_of_date = recomputed.as_of_date
        and inventory.network = recomputed.network
        and inventory.location_id = recomputed.location_id

where
    inventory.balance_raw != recomputed.balance_raw
    or inventory.balance != recomputed.balance
    or inventory.inflow != recomputed.inflow
    or inventory.outflow != recomputed.outflow
    or inventory.transfer_count != recomputed.transfer_count
    or inventory.pending_in != recomputed.pending_in
    or inventory.pending_out != recomputed.pending_out
