with

source as (

    select * from {{ source('onchain', 'wallet_signers') }}

),

renamed as (

    select
        cast(chain_id as bigint) as chain_id,
        cast(network as string) as network,
        lower(address) as address,
        cast(block_date as date) as block_date,
        lower(signer) as signer

    from source

)

select * from renamed
