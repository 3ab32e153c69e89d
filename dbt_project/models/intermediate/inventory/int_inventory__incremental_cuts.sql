{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_log_incremental_strategy(),
        file_format=cut_file_format(),
        unique_key=['run_seq', 'network'],
        full_refresh=false,
        on_schema_change='append_new_columns',
        post_hook="{{ inventory_snapshot_synced_days() }}",
    )
}}
-- depends_on: {{ ref('stg_onchain__transfers') }}
-- depends_on: {{ ref('stg_onchain__transfer_deletions') }}
-- depends_on: {{ ref('stg_onchain__day_blocks') }}
{#
    The change log of the incremental inventory models: one row per dbt run × network with the
    first local day whose inputs changed since the models were last built (`cut_date`; null =
    nothing changed) or `rebuild_all`. See macros/incremental_cuts.sql for how the models
    consume it. Kept across full refreshes (it is a log); `--full-refresh` logs rebuild_all.

    What changed in raw is read from the loader's change log, never by scanning raw: every raw
    transfer has a `loaded_seq` (raw.onchain_change_seq at insert) and every deleted row is in
    raw.onchain_transfer_deletions with its `deleted_seq`. Each run records the highest number
    it saw (`raw_watermark`) and the network's raw row count; the next run reads only rows and
    deletions above it. A day is cut when, for the network:
    - a movement of that day is still pending (its block may become final or be reorged away);
    - a raw row of that day was inserted, or deleted, since the last run (a new day, a re-read
      block range after a reorg, a backfill or late-loaded rows for an old day);
    - the day is one of the last `var('inventory_lookback_days')` days (default 0: none);
    - its synced-day row (stg_onchain__day_blocks) differs from the one the last run saw
      (table `inventory_synced_days` beside this one), or the day is new, or gone.
    The row count must add up (last count + rows inserted since − older rows deleted since):
    when it does not, raw was changed outside the change log and everything is rebuilt.
    Everything is also rebuilt on the first run, on `--full-refresh`, when a model's table is
    missing or lacks the columns this logic reads, when the set of (address, day) the issuer
    has frozen (stg_onchain__freezes) changed, and when the registry (networks, wallets),
    the vars (reporting_timezone, start_date) or the code of any model (models_code_fingerprint)
    differ from the previous run's.
-#}
{%- set movements = inventory_existing_relation('int_inventory__wallet_movements') -%}
{%- set daily = inventory_existing_relation('inventory_daily') -%}
{%- set has_state = (
    is_incremental()
    and not inventory_full_refresh()
    and 'load_id' in inventory_column_names(movements)
    and 'day_last_block' in inventory_column_names(daily)
    and 'raw_watermark' in inventory_column_names(this)
) -%}
{%- set lookback_days = var('inventory_lookback_days', 0) | int -%}
{#- the lowest watermark of the networks' last runs: a literal, so that the scans of raw and
    of the deletion log skip every row group below it (the exact filter is per network) -#}
{%- set watermark_floor = inventory_query_date(
    "select coalesce(min(raw_watermark), -1) from (select network, raw_watermark, "
    ~ "row_number() over (partition by network order by run_seq desc) as recency "
    ~ "from " ~ this ~ " where inputs_fingerprint is not null) as last_runs "
    ~ "where recency = 1"
) if has_state else none -%}
{%- set synced_snapshot = (
    inventory_existing_relation_named(inventory_synced_days_relation()) if has_state else none
) -%}

with

networks as (

    select * from {{ ref('stg_registry__networks') }}

),

wallets as (

    select * from {{ ref('stg_registry__wallets') }}

),

wallet_lists as (

    select
        network,
        {{ ordered_string_agg(
            "address || ',' || entity || ',' || wallet_label || ',' || purpose || ','"
            ~ " || custody_provider || ',' || ownership",
            "';'",
            "order by address"
        ) }} as wallet_rows

    from wallets
    group by network

),

-- issuer freezes read at day ends: a change anywhere rebuilds (they are rare)
frozen_lists as (

    select
        network,
        {{ ordered_string_agg(
            "address || ',' || cast(block_date as string)",
            "';'",
            "order by address, block_date"
        ) }} as frozen_rows

    from {{ ref('stg_onchain__freezes') }}
    where is_frozen
    group by network

),

-- everything the incremental models depend on besides the transfers and the synced days
fingerprints as (

    select
        networks.network,
        {{ string_hash(
            "networks.network || '|' || cast(networks.chain_id as string) || '|'"
            ~ " || networks.token_address || '|' || networks.token_symbol || '|'"
            ~ " || cast(networks.token_decimals as string)"
            ~ " || '|' || coalesce(wallet_lists.wallet_rows, '')"
            ~ " || '|' || coalesce(frozen_lists.frozen_rows, '')"
            ~ " || '|" ~ var('reporting_timezone') ~ "|" ~ var('start_date')
            ~ "|" ~ models_code_fingerprint() ~ "'"
        ) }} as inputs_fingerprint

    from networks

    left join wallet_lists
        on networks.network = wallet_lists.network

    left join frozen_lists
        on networks.network = frozen_lists.network

),

-- raw now: rows per network, and the highest change number in raw and the deletion log.
-- (Each CTE reads its staging view itself: a CTE read by several would be materialised,
-- i.e. all of raw copied once per run.)
raw_counts as (

    select
        transfers.network,
        count(*) as raw_row_count

    from {{ ref('stg_onchain__transfers') }} as transfers
    group by transfers.network

),

raw_watermark as (

    select
        greatest(
            coalesce((
                select max(transfers.loaded_seq)
                from {{ ref('stg_onchain__transfers') }} as transfers
            ), 0),
            coalesce((
                select max(deletions.deleted_seq)
                from {{ ref('stg_onchain__transfer_deletions') }} as deletions
            ), 0)
        ) as raw_watermark

),

{% if has_state %}

previous as (

    select
        network,
        inputs_fingerprint,
        raw_watermark,
        raw_row_count,
        row_number() over (partition by network order by run_seq desc) as recency

    from {{ this }}
    where inputs_fingerprint is not null

),

last_runs as (

    select
        network,
        raw_watermark,
        raw_row_count

    from previous
    where recency = 1

),

-- rows inserted since the network's last run
inserted as (

    select
        transfers.network,
        count(*) as n_rows,
        min(transfers.block_time) as first_block_time

    from {{ ref('stg_onchain__transfers') }} as transfers

    inner join last_runs
        on transfers.network = last_runs.network

    where
        transfers.loaded_seq > last_runs.raw_watermark
        and transfers.loaded_seq > {{ watermark_floor }}

    group by transfers.network

),

-- rows deleted since the network's last run; n_older = those the last run had counted
deleted as (

    select
        deletions.network,
        count(
            case when deletions.loaded_seq <= last_runs.raw_watermark then 1 end
        ) as n_older,
        min(deletions.block_time) as first_block_time

    from {{ ref('stg_onchain__transfer_deletions') }} as deletions

    inner join last_runs
        on deletions.network = last_runs.network

    where
        deletions.deleted_seq > last_runs.raw_watermark
        and deletions.deleted_seq > {{ watermark_floor }}

    group by deletions.network

),

-- networks whose raw rows do not add up: changed without the change log
unexplained as (

    select networks.network

    from networks

    left join last_runs
        on networks.network = last_runs.network

    left join raw_counts
        on networks.network = raw_counts.network

    left join inserted
        on networks.network = inserted.network

    left join deleted
        on networks.network = deleted.network

    where
        last_runs.raw_row_count is null
        or coalesce(raw_counts.raw_row_count, 0) != last_runs.raw_row_count
        + coalesce(inserted.n_rows, 0) - coalesce(deleted.n_older, 0)

),

shown_days as (

    {%- if synced_snapshot is not none %}

    select * from {{ synced_snapshot }}
    {%- else %}

    select distinct
        network,
        as_of_date,
        day_last_block,
        is_day_complete,
        is_final

    from {{ daily }}
    {%- endif %}

),

synced_days as (

    {{ inventory_synced_days_sql() }}

),

changed_days as (

    select
        coalesce(synced_days.network, shown_days.network) as network,
        coalesce(synced_days.as_of_date, shown_days.as_of_date) as as_of_date

    from synced_days

    full outer join shown_days
        on
            synced_days.network = shown_days.network
            and synced_days.as_of_date = shown_days.as_of_date

    where
        synced_days.as_of_date is null
        or shown_days.as_of_date is null
        or synced_days.day_last_block is distinct from shown_days.day_last_block
        or synced_days.is_day_complete is distinct from shown_days.is_day_complete
        or synced_days.is_final is distinct from shown_days.is_final

),

cut_candidates as (

    select
        network,
        block_date as cut_date,
        'pending movements' as reason
    from {{ movements }} as movements
    where not is_final

    union all

    select
        network,
        {{ to_local_date('first_block_time') }} as cut_date,
        'rows loaded' as reason
    from inserted

    union all

    select
        network,
        {{ to_local_date('first_block_time') }} as cut_date,
        'rows deleted' as reason
    from deleted

    union all

    select
        network,
        as_of_date as cut_date,
        'synced days changed' as reason
    from changed_days

    {%- if lookback_days > 0 %}

    union all

    select
        network,
        {{ add_days('max(block_date)', 1 - lookback_days) }} as cut_date,
        'lookback' as reason
    from {{ movements }} as movements
    group by network
    {%- endif %}

),

cuts as (

    select
        network,
        min(cut_date) as cut_date,
        {{ ordered_string_agg('distinct reason', "', '", 'order by reason') }} as reason

    from cut_candidates
    group by network

),

decided as (

    select
        fingerprints.network,
        previous.inputs_fingerprint is null
        or previous.inputs_fingerprint != fingerprints.inputs_fingerprint
        or unexplained.network is not null as rebuild_all,
        cuts.cut_date,
        case
            when previous.inputs_fingerprint is null then 'first run of the network'
            when previous.inputs_fingerprint != fingerprints.inputs_fingerprint
                then 'registry, vars or model code changed'
            when unexplained.network is not null
                then 'raw changed outside the change log'
            else coalesce(cuts.reason, 'nothing changed')
        end as reason,
        fingerprints.inputs_fingerprint

    from fingerprints

    left join previous
        on
            fingerprints.network = previous.network
            and previous.recency = 1

    left join unexplained
        on fingerprints.network = unexplained.network

    left join cuts
        on fingerprints.network = cuts.network

),

{% else %}

decided as (

    select
        network,
        true as rebuild_all,
        cast(null as date) as cut_date,
        '{{ "full refresh" if inventory_full_refresh() else "first build" }}' as reason,
        inputs_fingerprint

    from fingerprints

),

{% endif %}

final as (

    select
        {{ cut_log_run_seq() }} as run_seq,
        cast('{{ invocation_id }}' as string) as invocation_id,
        cast(decided.network as string) as network,
        cast(decided.rebuild_all as boolean) as rebuild_all,
        cast(
            case when decided.rebuild_all then null else decided.cut_date end as date
        ) as cut_date,
        cast(decided.reason as string) as reason,
        cast(decided.inputs_fingerprint as string) as inputs_fingerprint,
        cast(raw_watermark.raw_watermark as bigint) as raw_watermark,
        cast(coalesce(raw_counts.raw_row_count, 0) as bigint) as raw_row_count

    from decided

    cross join raw_watermark

    left join raw_counts
        on decided.network = raw_counts.network

)

select * from final
