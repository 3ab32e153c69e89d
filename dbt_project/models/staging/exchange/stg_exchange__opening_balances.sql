{#-
    Configured opening balances of exchange accounts, one row per (account_id, asset, as_of):
    what the account held after every entry at or before that time (token units, exact).
-#}

with

source as (

    select * from {{ source('exchange', 'opening_balances') }}

),

renamed as (

    select
        ---------- ids
        cast(account_id as string) as account_id,
        cast(asset as string) as asset,
        as_of as balance_at,

        ---------- amounts
        cast(amount as decimal(38, 18)) as balance,

        ---------- provenance
        cast(source_note as string) as source_note

    from source

)

select * from renamed
