{#-
    Custodian statement balances of the current files (audit.files status 'loaded': a
    duplicate or superseded statement is left out), one row per (provider, account_id, asset,
    as_of): the most recently dropped file's row is kept. Token units, exact.
-#}

with

source as (

    select * from {{ source('custodian', 'balances') }}

),

current_files as (

    select * from {{ ref('stg_file_loads__current_files') }}

),

renamed as (

    select
        ---------- ids
        cast(source.provider as string) as provider,
        cast(source.account_id as string) as account_id,
        cast(source.external_account_id as string) as external_account_id,
        cast(source.asset as string) as asset,
        source.as_of as statement_at,
        {{ to_local_date('source.as_of') }} as statement_date,

        ---------- amounts
        cast(source.balance as decimal(38, 18)) as balance,
        cast(source.available as decimal(38, 18)) as available,
        cast(coalesce(source.pending, 0) as decimal(38, 18)) as pending,
        cast(coalesce(source.frozen, 0) as decimal(38, 18)) as frozen,
        cast(coalesce(source.locked, 0) as decimal(38, 18)) as locked,
        cast(coalesce(source.staked, 0) as decimal(38, 18)) as staked,
        cast(source.block_height as bigint) as block_height,

        ---------- provenance
        cast(source.source as string) as landing_source,
        source.file_sha256,
        source.row_number as file_row_number,
        {{ current_file_version_rank(['provider', 'account_id', 'asset', 'as_of']) }} as recency

    from source

    inner join current_files
        on source.file_sha256 = current_files.sha256

),

deduplicated as (

    select
        provider,
        account_id,
        external_account_id,
        asset,
        statement_at,
        statement_date,
        balance,
        available,
        pending,
        frozen,
        locked,
        staked,
        block_height,
        landing_source,
        file_sha256,
        file_row_number

    from renamed
    where recency = 1

)

select * from deduplicated
