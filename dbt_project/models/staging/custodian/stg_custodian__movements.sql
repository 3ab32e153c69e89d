{#-
    Custodian movements of the current files, one row per (provider, account_id, entry_id): a
    movement repeated by overlapping files is kept once (the most recently dropped file's row).
    Amounts signed in token units (+ into the account).
-#}

with

source as (

    select * from {{ source('custodian', 'movements') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        ---------- ids
        cast(source.provider as string) as provider,
        cast(source.account_id as string) as account_id,
        cast(source.entry_id as string) as entry_id,

        ---------- movement
        cast(source.movement_type as string) as movement_type,
        cast(source.provider_type as string) as provider_type,
        cast(source.status as string) as provider_status,
        source.is_final,
        cast(source.asset as string) as asset,
        cast(source.amount as decimal(38, 18)) as amount,
        cast(coalesce(source.fee, 0) as decimal(38, 18)) as fee,
        source.occurred_at,
        lower(source.tx_hash) as tx_hash,
        cast(source.block_height as bigint) as block_height,

        ---------- provenance
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['provider', 'account_id', 'entry_id']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        provider,
        account_id,
        entry_id,
        movement_type,
        provider_type,
        provider_status,
        is_final,
        asset,
        amount,
        fee,
        occurred_at,
        tx_hash,
        block_height,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
