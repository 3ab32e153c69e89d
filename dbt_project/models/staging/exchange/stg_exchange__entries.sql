{#-
    Exchange ledger entries of the current files (audit.files status 'loaded'), one row per
    (venue, account_id, entry_id): overlapping exports repeat entries, the most recently
    dropped file's row is kept.
-#}

with

source as (

    select * from {{ source('exchange', 'entries') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        ---------- ids
        cast(source.venue as string) as venue,
        cast(source.account_id as string) as account_id,
        cast(source.entry_id as string) as entry_id,
        cast(source.ref_id as string) as ref_id,

        ---------- entry
        cast(source.entry_type as string) as entry_type,
        cast(source.venue_type as string) as venue_type,
        cast(source.venue_subtype as string) as venue_subtype,
        source.is_final,
        cast(source.asset as string) as asset,
        cast(source.amount as decimal(38, 18)) as amount,
        cast(source.fee as decimal(38, 18)) as fee,
        cast(source.fee_asset as string) as fee_asset,
        cast(source.balance as decimal(38, 18)) as balance,
        cast(source.price_usd as decimal(38, 6)) as price_usd,
        cast(source.amount_usd as decimal(38, 6)) as amount_usd,
        source.occurred_at,
        cast(source.network as string) as network,
        lower(source.tx_hash) as tx_hash,
        lower(source.address) as address,

        ---------- provenance
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['venue', 'account_id', 'entry_id']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        venue,
        account_id,
        entry_id,
        ref_id,
        entry_type,
        venue_type,
        venue_subtype,
        is_final,
        asset,
        amount,
        fee,
        fee_asset,
        balance,
        price_usd,
        amount_usd,
        occurred_at,
        network,
        tx_hash,
        address,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
