with

source as (

    select * from {{ source('onchain', 'freezes') }}

),

renamed as (

    select
        ---------- ids
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(token_address) as token_address,
        lower(address) as address,
        cast(block_date as date) as block_date,

        ---------- the check block
        cast(block_number as bigint) as block_number,
        cast(block_hash as string) as block_hash,
        block_time,

        ---------- the answer
        cast(is_frozen as boolean) as is_frozen,

        ---------- status and provenance
        cast(is_final as boolean) as is_final,
        cast(provenance as string) as provenance,
        cast(load_id as string) as load_id

    from source

)

select * from renamed
