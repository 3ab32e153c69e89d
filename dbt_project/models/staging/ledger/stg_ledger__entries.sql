{#-
    Internal ledger entries of the current files (audit.files status 'loaded'), one row per
    (source, account_id, entry_id): overlapping exports repeat entries, the most recently
    dropped file's row is kept. Amounts are signed token units (+ increases the account).
-#}

with

source as (

    select * from {{ source('ledger', 'entries') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        cast(source.source as string) as ledger_source,
        cast(source.account_id as string) as account_id,
        cast(source.entry_id as string) as entry_id,
        cast(source.owner_type as string) as owner_type,
        cast(source.entity as string) as entity,
        cast(source.entry_type as string) as entry_type,
        cast(source.asset as string) as asset,
        cast(source.amount as decimal(38, 18)) as amount,
        source.posted_at,
        {{ to_local_date('source.posted_at') }} as posted_date,
        cast(source.customer_ref as string) as customer_ref,
        cast(source.counterparty_account_id as string) as counterparty_account_id,
        cast(source.network as string) as network,
        lower(source.tx_hash) as tx_hash,
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['source', 'account_id', 'entry_id']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        ledger_source,
        account_id,
        entry_id,
        owner_type,
        entity,
        entry_type,
        asset,
        amount,
        posted_at,
        posted_date,
        customer_ref,
        counterparty_account_id,
        network,
        tx_hash,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
