{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['network', 'block_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ inventory_delete_from_cut('block_date') }}",
        post_hook="{{ inventory_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__incremental_cuts') }}
{#
    One row per transfer per side that is a registry wallet: an `out` row for the sender and an
    `in` row for the receiver when each is a registry wallet of the transfer's network, so a
    transfer between two registry wallets gives two rows. Only logs of the token configured for
    the network count (raw should hold nothing else).

    Incremental: a run recomputes, per network, the local days from the cut on
    (int_inventory__incremental_cuts: new or re-read loads, pending rows, changed days) after
    deleting the table's rows of those days; a movement depends only on its own transfer and
    the registry (whose change rebuilds everything), so the kept days equal a full refresh.
-#}
{%- set zero_address = '0x0000000000000000000000000000000000000000' -%}
{%- set cut_floor = inventory_cut_floor() -%}

with

{% if is_incremental() -%}

cut as (

    {{ inventory_cut_sql() }}

),

{% endif -%}

transfers as (

    select transfers.*
    from {{ ref('stg_onchain__transfers') }} as transfers
    {% if is_incremental() %}
    inner join cut
        on transfers.network = cut.network
    where
        {{ inventory_in_cut('transfers.block_date') }}
        {%- if cut_floor is not none %}
        -- coarse, on the raw column (whole row groups skipped): a local day starts at most a
        -- day before the same UTC date
        and transfers.block_time >= {{ add_days("cast('" ~ cut_floor ~ "' as date)", -1) }}
        {%- endif %}
    {% endif %}

),

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

configured_token_transfers as (

    select
        transfers.chain_id,
        transfers.network,
        transfers.token_address,
        transfers.block_number,
        transfers.block_hash,
        transfers.block_time,
        transfers.block_date,
        transfers.tx_hash,
        transfers.tx_index,
        transfers.log_index,
        transfers.from_address,
        transfers.to_address,
        transfers.amount_raw,
        transfers.is_final,
        transfers.load_id,
        {{ to_token_units('transfers.amount_raw', 'networks.token_decimals') }} as amount,
        sender.address is not null as is_from_registry_wallet,
        receiver.address is not null as is_to_registry_wallet

    from transfers

    inner join networks
        on
            transfers.network = networks.network
            and transfers.chain_id = networks.chain_id
            and transfers.token_address = networks.token_address

    left join wallets as sender
        on
            transfers.network = sender.network
            and transfers.from_address = sender.address

    left join wallets as receiver
        on
            transfers.network = receiver.network
            and transfers.to_address = receiver.address

),

classified as (

    select
        *,
        case
            when from_address = '{{ zero_address }}' then 'mint'
            when to_address = '{{ zero_address }}' then 'burn'
            when is_from_registry_wallet and is_to_registry_wallet then 'internal'
            else 'external'
        end as movement_type

    from configured_token_transfers

),

outgoing as (

    select
        *,
        from_address as address,
        'out' as direction,
        to_address as counterparty_address,
        is_to_registry_wallet as is_counterparty_registry_wallet

    from classified
    where is_from_registry_wallet

),

incoming as (

    select
        *,
        to_address as address,
        'in' as direction,
        from_address as counterparty_address,
        is_from_registry_wallet as is_counterparty_registry_wallet

    from classified
    where is_to_registry_wallet

),

unioned as (

    select * from outgoing
    union all
    select * from incoming

),

final as (

    select
        ---------- ids
        chain_id,
        network,
        token_address,
        tx_hash,
        log_index,
        address,
        direction,

        ---------- block
        block_number,
        block_hash,
        block_time,
        block_date,
        tx_index,

        ---------- what moved
        movement_type,
        counterparty_address,
        is_counterparty_registry_wallet,
        from_address = to_address as is_self_transfer,
        amount_raw,
        amount,
        cast(
            case when direction = 'out' then -amount_raw else amount_raw end
            as decimal(38, 0)
        ) as signed_amount_raw,
        cast(
            case when direction = 'out' then -amount else amount end
            as decimal(38, 18)
        ) as signed_amount,

        ---------- status and provenance
        is_final,
        load_id

    from unioned

)

select * from final
