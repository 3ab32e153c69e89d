with

source as (

    select * from {{ source('onchain', 'transfer_deletions') }}

),

renamed as (

    select
        ---------- ids
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(token_address) as token_address,
        cast(tx_hash as string) as tx_hash,
        cast(log_index as integer) as log_index,

        ---------- block of the deleted log
        cast(block_number as bigint) as block_number,
        block_time,
        {{ to_local_date('block_time') }} as block_date,

        ---------- change log
        cast(loaded_seq as bigint) as loaded_seq,
        cast(load_id as string) as load_id,
        cast(deleted_seq as bigint) as deleted_seq

    from source

)

select * from renamed
