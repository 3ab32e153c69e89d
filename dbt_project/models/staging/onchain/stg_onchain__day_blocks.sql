with

source as (

    select * from {{ source('onchain', 'day_blocks') }}

),

renamed as (

    select
        ---------- ids
        cast(network as string) as network,
        cast(chain_id as bigint) as chain_id,
        cast(block_date as date) as block_date,

        ---------- block range of the local day
        cast(first_block as bigint) as first_block_number,
        cast(last_block as bigint) as last_block_number,
        cast(last_block_hash as string) as last_block_hash,
        last_block_time,
        cast(final_block as bigint) as final_block_number,

        ---------- status
        cast(is_day_complete as boolean) as is_day_complete,
        cast(is_final as boolean) as is_final

    from source

)

select * from renamed
