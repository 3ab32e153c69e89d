with

source as (

    select * from {{ source('onchain', 'freeze_events') }}

),

renamed as (

    select
        ---------- ids
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(token_address) as token_address,
        cast(tx_hash as string) as tx_hash,
        cast(log_index as integer) as log_index,

        ---------- the block
        cast(block_number as bigint) as block_number,
        cast(block_hash as string) as block_hash,
        block_time,
        {{ to_local_date('block_time') }} as block_date,

        ---------- the event
        lower(address) as address,
        cast(is_frozen as boolean) as is_frozen,
        cast(event_signature as string) as event_signature,

        ---------- provenance
        cast(provenance as string) as provenance,
        cast(load_id as string) as load_id

    from source

)

select * from renamed
