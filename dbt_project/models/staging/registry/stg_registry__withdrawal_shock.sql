with

source as (

    select * from {{ source('registry', 'withdrawal_shock') }}

),

renamed as (

    select
        cast(share_of_client_balance as decimal(38, 18)) as shock_share_of_client_balance,
        cast(amount as decimal(38, 18)) as shock_fixed_amount

    from source

)

select * from renamed
