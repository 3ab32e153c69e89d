with

source as (

    select * from {{ source('onchain', 'wallet_control') }}

),

renamed as (

    select
        ---------- ids
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(address) as address,
        cast(block_date as date) as block_date,

        ---------- the check block
        cast(block_number as bigint) as block_number,
        cast(block_hash as string) as block_hash,
        block_time,

        ---------- what the chain says controls the wallet
        cast(wallet_kind as string) as wallet_kind,
        cast(code_hash as string) as code_hash,
        cast(signers as string) as signers,
        cast(signer_count as integer) as signer_count,
        cast(threshold as bigint) as threshold,

        ---------- status and provenance
        cast(is_final as boolean) as is_final,
        cast(provenance as string) as provenance,
        cast(load_id as string) as load_id

    from source

)

select * from renamed
