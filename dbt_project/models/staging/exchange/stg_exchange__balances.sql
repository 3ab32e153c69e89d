{#-
    Exchange balance snapshots of the current files (audit.files status 'loaded'), one row per
    (venue, account_id, asset, as_of): the most recently dropped file's row is kept. These are
    anchors: what the venue said the account held at a time. Token units, exact.
-#}

with

source as (

    select * from {{ source('exchange', 'balances') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        ---------- ids
        cast(source.venue as string) as venue,
        cast(source.account_id as string) as account_id,
        cast(source.asset as string) as asset,
        cast(source.venue_asset as string) as venue_asset,
        source.as_of as balance_at,

        ---------- amounts
        cast(source.balance as decimal(38, 18)) as balance,
        cast(source.available as decimal(38, 18)) as available,
        cast(coalesce(source.locked, 0) as decimal(38, 18)) as locked,

        ---------- provenance
        cast(source.source as string) as landing_source,
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['venue', 'account_id', 'asset', 'as_of']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        venue,
        account_id,
        asset,
        venue_asset,
        balance_at,
        balance,
        available,
        locked,
        landing_source,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
