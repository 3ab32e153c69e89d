{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['run_seq', 'network'],
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}
-- depends_on: {{ ref('stg_onchain__transfers') }}
-- depends_on: {{ ref('stg_onchain__day_blocks') }}
{#
    The change log of the incremental inventory models: one row per dbt run × network with the
    first local day whose inputs changed since the models were last built (`cut_date`; null =
    nothing changed) or `rebuild_all`. See macros/incremental_cuts.sql for how the models
    consume it. Kept across full refreshes (it is a log); `--full-refresh` logs rebuild_all.

    A day is cut when, for the network:
    - a movement of that day is still pending (its block may become final or be reorged away);
    - raw holds rows of a load (`load_id`) the movements do not hold yet (a new day, a
      re-read block range after a reorg, a backfill), or a load whose rows in raw no longer
      match the movements (count and block numbers: rows deleted by a reorg);
    - the day is one of the last `var('inventory_lookback_days')` days (default 0: none);
    - its synced-day row (stg_onchain__day_blocks) differs from the one inventory_daily shows,
      or the day is new, or gone.
    Everything is rebuilt on the first run, on `--full-refresh`, when a model's table is
    missing or lacks the columns this logic reads, and when the registry (networks, wallets)
    or the vars (reporting_timezone, start_date) differ from the previous run's.
-#}
{%- set movements = inventory_existing_relation('int_inventory__wallet_movements') -%}
{%- set daily = inventory_existing_relation('inventory_daily') -%}
{%- set has_state = (
    is_incremental()
    and not inventory_full_refresh()
    and 'load_id' in inventory_column_names(movements)
    and 'day_last_block' in inventory_column_names(daily)
) -%}
{%- set lookback_days = var('inventory_lookback_days', 0) | int -%}

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

-- everything the incremental models depend on besides the transfers and the synced days
fingerprints as (

    select
        networks.network,
        {{ string_hash(
            "networks.network || '|' || cast(networks.chain_id as string) || '|'"
            ~ " || networks.token_address || '|' || networks.token_symbol || '|'"
            ~ " || cast(networks.token_decimals as string)"
            ~ " || '|' || coalesce(wallet_lists.wallet_rows, '')"
            ~ " || '|" ~ var('reporting_timezone') ~ "|" ~ var('start_date') ~ "'"
        ) }} as inputs_fingerprint

    from networks

    left join wallet_lists
        on networks.network = wallet_lists.network

),

{% if has_state %}

previous as (

    select
        network,
        inputs_fingerprint,
        row_number() over (partition by network order by run_seq desc) as recency

    from {{ this }}
    where inputs_fingerprint is not null

),

movements as (

    select * from {{ movements }}

),

transfers as (

    select * from {{ ref('stg_onchain__transfers') }}

),

-- raw rows of the configured token, per load
raw_loads as (

    select
        transfers.network,
        transfers.load_id,
        count(*) as n_transfers,
        cast(sum(transfers.block_number) as decimal(38, 0)) as sum_block_number,
        min(transfers.block_time) as first_block_time

    from transfers

    inner join networks
        on
            transfers.network = networks.network
            and transfers.chain_id = networks.chain_id
            and transfers.token_address = networks.token_address

    group by transfers.network, transfers.load_id

),

-- the same per load from the movements (a transfer is one `in` row, or its `out` row when
-- the receiver is not a registry wallet)
movement_loads as (

    select
        network,
        load_id,
        count(*) as n_transfers,
        cast(sum(block_number) as decimal(38, 0)) as sum_block_number,
        min(block_date) as first_block_date

    from movements
    where direction = 'in' or not is_counterparty_registry_wallet
    group by network, load_id

),

changed_loads as (

    select
        coalesce(raw_loads.network, movement_loads.network) as network,
        movement_loads.first_block_date,
        raw_loads.first_block_time

    from raw_loads

    full outer join movement_loads
        on
            raw_loads.network = movement_loads.network
            and raw_loads.load_id = movement_loads.load_id

    where
        raw_loads.load_id is null
        or movement_loads.load_id is null
        or raw_loads.n_transfers != movement_loads.n_transfers
        or raw_loads.sum_block_number != movement_loads.sum_block_number

),

shown_days as (

    select distinct
        network,
        as_of_date,
        day_last_block,
        is_day_complete,
        is_final

    from {{ daily }}

),

synced_days as (

    select
        network,
        block_date as as_of_date,
        last_block_number as day_last_block,
        is_day_complete,
        is_final

    from {{ ref('stg_onchain__day_blocks') }}
    where block_date >= cast('{{ var("start_date") }}' as date)

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
    from movements
    where not is_final

    union all

    select
        network,
        first_block_date as cut_date,
        'loads changed' as reason
    from changed_loads
    where first_block_date is not null

    union all

    select
        network,
        {{ to_local_date('first_block_time') }} as cut_date,
        'loads changed' as reason
    from changed_loads
    where first_block_time is not null

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
    from movements
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
        or previous.inputs_fingerprint != fingerprints.inputs_fingerprint as rebuild_all,
        cuts.cut_date,
        case
            when previous.inputs_fingerprint is null then 'first run of the network'
            when previous.inputs_fingerprint != fingerprints.inputs_fingerprint
                then 'registry or vars changed'
            else coalesce(cuts.reason, 'nothing changed')
        end as reason,
        fingerprints.inputs_fingerprint

    from fingerprints

    left join previous
        on
            fingerprints.network = previous.network
            and previous.recency = 1

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
        {% if is_incremental() -%}
        cast(
            coalesce((select max(previous_runs.run_seq) from {{ this }} as previous_runs), 0) + 1
            as bigint
        ) as run_seq,
        {%- else -%}
            cast(1 as bigint) as run_seq,
        {%- endif %}
        cast('{{ invocation_id }}' as string) as invocation_id,
        cast(network as string) as network,
        cast(rebuild_all as boolean) as rebuild_all,
        cast(case when rebuild_all then null else cut_date end as date) as cut_date,
        cast(reason as string) as reason,
        cast(inputs_fingerprint as string) as inputs_fingerprint

    from decided

)

select * from final
