{#-
    Issuer freeze exposure: what the token's issuer has frozen that touches the operator.
    - frozen_wallet: a registry wallet the token's freeze view said was frozen at the end of a
      local day (stg_onchain__freezes), with the balance that is therefore frozen
      (inventory_daily.frozen: the whole balance, nothing of it available);
    - outflow_to_frozen_counterparty: a Transfer of the token from a registry wallet to a
      configured counterparty whose freeze view said frozen at the end of the transfer's local
      day (tokens sent to an address that cannot move them).
    frozen_since_at: the last configured freeze event of the address at or before the check
    block (stg_onchain__freeze_events); null when the token names no events or none was loaded.
    A warning check (expectations/suites/freezes.py) lists each row. Grain: one row per
    exposure_id (a frozen wallet and day, or a transfer log).
-#}

with

freezes as (

    select * from {{ ref('stg_onchain__freezes') }}
    where is_frozen

),

freeze_events as (

    select * from {{ ref('stg_onchain__freeze_events') }}
    where is_frozen

),

-- since when: the last freeze event at or before the day's check block
frozen_since as (

    select
        freezes.network,
        freezes.token_address,
        freezes.address,
        freezes.block_date,
        max(freeze_events.block_time) as frozen_since_at

    from freezes

    inner join freeze_events
        on
            freezes.network = freeze_events.network
            and freezes.token_address = freeze_events.token_address
            and freezes.address = freeze_events.address
            and freezes.block_number >= freeze_events.block_number

    group by
        freezes.network,
        freezes.token_address,
        freezes.address,
        freezes.block_date

),

inventory as (

    select * from {{ ref('inventory_daily') }}
    where location_type in ('wallet', 'contract')

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

counterparties as (

    select * from {{ ref('stg_registry__counterparties') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

frozen_wallets as (

    select
        'frozen_wallet:' || inventory.network || ':' || inventory.location_id || ':'
        || cast(inventory.as_of_date as string) as exposure_id,
        inventory.as_of_date,
        'frozen_wallet' as exposure_type,
        inventory.entity,
        inventory.network,
        inventory.location_id as address,
        inventory.location_label as address_label,
        cast(null as string) as counterparty_kind,
        inventory.ownership,
        inventory.frozen as frozen_balance,
        cast(null as string) as from_address,
        cast(null as string) as from_label,
        cast(null as string) as tx_hash,
        cast(null as integer) as log_index,
        cast(null as bigint) as block_number,
        cast(null as {{ utc_timestamp_type() }}) as block_time,
        cast(null as decimal(38, 18)) as amount,
        freezes.block_number as freeze_check_block,
        frozen_since.frozen_since_at,
        inventory.is_final

    from inventory

    inner join freezes
        on
            inventory.network = freezes.network
            and inventory.token_address = freezes.token_address
            and inventory.location_id = freezes.address
            and inventory.as_of_date = freezes.block_date

    left join frozen_since
        on
            freezes.network = frozen_since.network
            and freezes.token_address = frozen_since.token_address
            and freezes.address = frozen_since.address
            and freezes.block_date = frozen_since.block_date

),

outflows as (

    select
        'outflow:' || transfers.network || ':' || transfers.tx_hash || ':'
        || cast(transfers.log_index as string) as exposure_id,
        transfers.block_date as as_of_date,
        'outflow_to_frozen_counterparty' as exposure_type,
        wallets.entity,
        transfers.network,
        counterparties.address,
        counterparties.counterparty_name as address_label,
        counterparties.counterparty_kind,
        wallets.ownership,
        cast(null as decimal(38, 18)) as frozen_balance,
        transfers.from_address,
        wallets.wallet_label as from_label,
        transfers.tx_hash,
        transfers.log_index,
        transfers.block_number,
        transfers.block_time,
        {{ to_token_units('transfers.amount_raw', 'networks.token_decimals') }} as amount,
        freezes.block_number as freeze_check_block,
        frozen_since.frozen_since_at,
        transfers.is_final

    from {{ ref('stg_onchain__transfers') }} as transfers

    inner join networks
        on
            transfers.network = networks.network
            and transfers.token_address = networks.token_address

    inner join wallets
        on
            transfers.network = wallets.network
            and transfers.from_address = wallets.address

    inner join counterparties
        on
            transfers.network = counterparties.network
            and transfers.to_address = counterparties.address

    inner join freezes
        on
            transfers.network = freezes.network
            and transfers.token_address = freezes.token_address
            and transfers.to_address = freezes.address
            and transfers.block_date = freezes.block_date

    left join frozen_since
        on
            freezes.network = frozen_since.network
            and freezes.token_address = frozen_since.token_address
            and freezes.address = frozen_since.address
            and freezes.block_date = frozen_since.block_date

    where transfers.amount_raw > 0

),

exposures as (

    select * from frozen_wallets
    union all
    select * from outflows

),

final as (

    select
        cast(exposure_id as string) as exposure_id,
        cast(as_of_date as date) as as_of_date,
        cast(exposure_type as string) as exposure_type,
        cast(entity as string) as entity,
        cast(network as string) as network,
        cast(address as string) as address,
        cast(address_label as string) as address_label,
        cast(counterparty_kind as string) as counterparty_kind,
        cast(ownership as string) as ownership,
        cast(frozen_balance as decimal(38, 18)) as frozen_balance,
        cast(from_address as string) as from_address,
        cast(from_label as string) as from_label,
        cast(tx_hash as string) as tx_hash,
        cast(log_index as integer) as log_index,
        cast(block_number as bigint) as block_number,
        block_time,
        cast(amount as decimal(38, 18)) as amount,
        cast(freeze_check_block as bigint) as freeze_check_block,
        frozen_since_at,
        cast(is_final as boolean) as is_final

    from exposures

)

select * from final
