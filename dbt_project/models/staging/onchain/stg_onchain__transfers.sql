with

source as (

    select * from {{ source('onchain', 'transfers') }}

),

renamed as (

    select
        ---------- ids
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(token_address) as token_address,
        cast(tx_hash as string) as tx_hash,
        cast(log_index as integer) as log_index,

        ---------- block
        cast(block_number as bigint) as block_number,
        cast(block_hash as string) as block_hash,
        block_time,
        {{ to_local_date('block_time') }} as block_date,
        cast(tx_index as integer) as tx_index,

        ---------- parties
        lower(from_address) as from_address,
        lower(to_address) as to_address,

        ---------- amounts
        cast(amount_raw as decimal(38, 0)) as amount_raw,

        ---------- status
        cast(is_final as boolean) as is_final,

        ---------- provenance
        cast(source_ref as string) as source_ref,
        cast(load_id as string) as load_id,
        cast(loaded_seq as bigint) as loaded_seq

    from source

)

select * from renamed
