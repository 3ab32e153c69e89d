{#-
    Vendor prices of the files that are current (audit.files status 'loaded'), one row per
    (source, asset, price_at): a price repeated by overlapping exports is kept once (the row of
    the most recently dropped file).
-#}

with

source as (

    select * from {{ source('prices', 'prices') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        ---------- ids
        cast(source.source as string) as price_source,
        cast(source.asset as string) as asset,
        source.ts as price_at,

        ---------- price
        cast(source.convention as string) as price_convention,
        cast(source.price_usd as decimal(38, 6)) as price_usd,
        cast(source.price_text as string) as price_text,

        ---------- provenance
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['source', 'asset', 'ts']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        price_source,
        asset,
        price_at,
        price_convention,
        price_usd,
        price_text,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
