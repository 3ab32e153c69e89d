{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['network', 'location_type', 'as_of_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook=[
            "{{ inventory_delete_from_cut('as_of_date') }}",
            "{{ inventory_delete_offchain_rows() }}",
        ],
        post_hook="{{ inventory_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__incremental_cuts') }}
{%- set cut_floor = inventory_cut_floor() %}
{#
    The public daily inventory. Grain: as_of_date × network × location_id.
    Registry wallets (from final on-chain transfers; a wallet declared in contract_locations is
    a `contract` location whose whole balance is locked; a wallet the token's issuer has frozen
    at the end of the day - stg_onchain__freezes - has its whole balance frozen instead) and
    custodian and exchange accounts
    (int_inventory__offchain_daily_positions: the latest statement carried forward plus later
    movements, or what the exchange says it holds - its running balance or an anchor - rolled
    with its entries), with the same columns; source_as_of_at and source_age_days say how old
    an off-chain figure is. balance_status says where a balance comes from; an 'unanchored'
    exchange account's balance, available and balance_raw are null, so no sum counts it.

    Incremental: wallet days from the cut on (int_inventory__incremental_cuts) are deleted and
    read again from the daily positions; a registry change rebuilds everything. Off-chain rows
    are all deleted and inserted again on every run (inventory_delete_offchain_rows).
-#}

with

{% if is_incremental() -%}

cut as (

    {{ inventory_cut_sql() }}

),

{% endif -%}

positions as (

    select positions.*
    from {{ ref('int_inventory__wallet_daily_positions') }} as positions
    {% if is_incremental() %}
    inner join cut
        on positions.network = cut.network
    where
        {{ inventory_in_cut('positions.as_of_date') }}
        {%- if cut_floor is not none %}
        and positions.as_of_date >= cast('{{ cut_floor }}' as date)
        {%- endif %}
    {% endif %}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

day_blocks as (

    select * from {{ ref('stg_onchain__day_blocks') }}

),

contracts as (

    select * from {{ ref('stg_registry__contract_locations') }}

),

-- the issuer's freeze view at the end of the day said: frozen
freezes as (

    select * from {{ ref('stg_onchain__freezes') }}
    where is_frozen

),

offchain as (

    select * from {{ ref('int_inventory__offchain_daily_positions') }}

),

wallet_inventory as (

    select
        positions.as_of_date,
        wallets.entity,
        positions.network,
        networks.chain_id,
        networks.token_symbol as asset,
        networks.token_address,
        -- a registry wallet declared a contract location: its whole balance is locked
        case when contracts.address is null then 'wallet' else 'contract' end as location_type,
        positions.address as location_id,
        wallets.wallet_label as location_label,
        wallets.custody_provider,
        wallets.purpose,
        wallets.ownership,
        'onchain' as balance_status,
        positions.balance,
        positions.pending_in,
        positions.pending_out,
        -- frozen by the issuer at the end of the day: the whole balance, and nothing locked
        case
            when freezes.address is null then cast(0 as decimal(38, 18))
            else positions.balance
        end as frozen,
        case
            when contracts.address is null or freezes.address is not null
                then cast(0 as decimal(38, 18))
            else positions.balance
        end as locked,
        positions.balance_raw,
        positions.inflow,
        positions.outflow,
        positions.transfer_count,
        positions.last_movement_at,
        day_blocks.last_block_number as day_last_block,
        day_blocks.is_day_complete,
        day_blocks.is_final,
        cast(null as {{ utc_timestamp_type() }}) as source_as_of_at,
        cast(null as integer) as source_age_days

    from positions

    inner join wallets
        on
            positions.network = wallets.network
            and positions.address = wallets.address

    inner join networks
        on positions.network = networks.network

    inner join day_blocks
        on
            positions.network = day_blocks.network
            and positions.as_of_date = day_blocks.block_date

    left join contracts
        on
            positions.network = contracts.network
            and positions.address = contracts.address

    left join freezes
        on
            positions.network = freezes.network
            and networks.token_address = freezes.token_address
            and positions.address = freezes.address
            and positions.as_of_date = freezes.block_date

),

offchain_inventory as (

    select
        offchain.as_of_date,
        offchain.entity,
        offchain.network,
        networks.chain_id,
        networks.token_symbol as asset,
        networks.token_address,
        offchain.location_type,
        offchain.location_id,
        offchain.location_label,
        offchain.custody_provider,
        offchain.purpose,
        offchain.ownership,
        offchain.balance_status,
        offchain.balance,
        offchain.pending_in,
        offchain.pending_out,
        offchain.frozen,
        offchain.locked,
        -- base units of the off-chain balance (exact when it has at most `decimals` places;
        -- assert_inventory_daily_balance_is_balance_raw_scaled catches one that has more).
        -- Whole and fractional parts are scaled apart: DECIMAL(38,18) * 10^18 would keep 18
        -- places and overflow from 10^20 base units (100 tokens of an 18-decimal token).
        cast({{ truncate_decimal('offchain.balance') }} as decimal(38, 0))
        * {{ token_unit_multiplier('networks.token_decimals') }}
        + cast(
            (offchain.balance - {{ truncate_decimal('offchain.balance') }})
            * {{ token_unit_multiplier('networks.token_decimals') }}
            as decimal(38, 0)
        ) as balance_raw,
        offchain.inflow,
        offchain.outflow,
        offchain.transfer_count,
        offchain.last_movement_at,
        day_blocks.last_block_number as day_last_block,
        day_blocks.is_day_complete,
        day_blocks.is_final,
        offchain.source_as_of_at,
        offchain.source_age_days

    from offchain

    inner join networks
        on offchain.network = networks.network

    inner join day_blocks
        on
            offchain.network = day_blocks.network
            and offchain.as_of_date = day_blocks.block_date

),

locations as (

    select * from wallet_inventory
    union all
    select * from offchain_inventory

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(entity as string) as entity,
        cast(network as string) as network,
        cast(chain_id as bigint) as chain_id,
        cast(asset as string) as asset,
        cast(token_address as string) as token_address,
        cast(location_type as string) as location_type,
        cast(location_id as string) as location_id,
        cast(location_label as string) as location_label,
        cast(custody_provider as string) as custody_provider,
        cast(purpose as string) as purpose,
        cast(ownership as string) as ownership,
        cast(balance_status as string) as balance_status,
        cast(balance as decimal(38, 18)) as balance,
        cast(pending_in as decimal(38, 18)) as pending_in,
        cast(pending_out as decimal(38, 18)) as pending_out,
        cast(frozen as decimal(38, 18)) as frozen,
        cast(locked as decimal(38, 18)) as locked,
        -- null when the balance is null (an unanchored exchange account): greatest() skips nulls
        case
            when balance is not null
                then cast(
                        greatest(
                            balance - pending_out - frozen - locked,
                            cast(0 as decimal(38, 18))
                        ) as decimal(38, 18)
                    )
        end as available,
        cast(balance_raw as decimal(38, 0)) as balance_raw,
        cast(inflow as decimal(38, 18)) as inflow,
        cast(outflow as decimal(38, 18)) as outflow,
        cast(transfer_count as bigint) as transfer_count,
        last_movement_at,
        cast(day_last_block as bigint) as day_last_block,
        cast(is_day_complete as boolean) as is_day_complete,
        cast(is_final as boolean) as is_final,
        source_as_of_at,
        cast(source_age_days as integer) as source_age_days

    from locations

)

select * from final
