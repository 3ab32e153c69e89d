{#-
    One row per transfer per side that is a registry wallet: an `out` row for the sender and an
    `in` row for the receiver when each is a registry wallet of the transfer's network, so a
    transfer between two registry wallets gives two rows. Only logs of the token configured for
    the network count (raw should hold nothing else).
-#}
{%- set zero_address = '0x0000000000000000000000000000000000000000' -%}

with

transfers as (

    select * from {{ ref('stg_onchain__transfers') }}

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

        ---------- status
        is_final

    from unioned

)

select * from final
