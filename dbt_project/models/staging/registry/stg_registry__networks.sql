with

source as (

    select * from {{ source('registry', 'networks') }}

),

renamed as (

    select
        ---------- ids
        cast(network as string) as network,
        cast(chain_id as bigint) as chain_id,

        ---------- token
        lower(token_address) as token_address,
        cast(token_symbol as string) as token_symbol,
        cast(token_decimals as integer) as token_decimals,

        ---------- sync
        cast(confirmations as integer) as confirmations,
        cast(start_block as bigint) as start_block_number

    from source

)

select * from renamed
