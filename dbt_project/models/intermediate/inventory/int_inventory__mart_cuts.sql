{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_log_incremental_strategy(),
        file_format=cut_file_format(),
        unique_key=['run_seq'],
        full_refresh=false,
        on_schema_change='append_new_columns',
        post_hook="{{ mart_snapshot_inputs() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__offchain_daily_positions') }}
-- depends_on: {{ ref('int_valuation__daily_prices') }}
-- depends_on: {{ ref('stg_exchange__entries') }}
{#
    The change log of the incremental models downstream of the inventory (valuation cost
    events and pools, lot impairment, fair value, concentration): one row per dbt run with the
    first local day whose inputs changed since the previous run, over every network and
    off-chain source (`cut_date`; null = nothing changed), or `rebuild_all`. See
    macros/mart_cuts.sql for how the models consume it. Kept across full refreshes (a log).

    A day is cut when:
    - an inventory cut of a network (int_inventory__incremental_cuts, the rows appended since
      this log's previous run) starts on it: the wallet movements and positions from that day
      on were recomputed;
    - its custodian / exchange positions (int_inventory__offchain_daily_positions) or its
      valuation prices (int_valuation__daily_prices) differ from those the previous run saw
      (per-day hashes kept in `mart_offchain_days` and `mart_price_days` beside this table), or
      the day is new or gone;
    - an exchange entry (any ref_id) dated on or after it was added, changed or removed
      (per-ref hash and first local day in `mart_exchange_refs`).
    Everything is rebuilt on the first run, on `--full-refresh`, when an inventory cut is
    `rebuild_all`, and when the configuration the marts read (registry, entities, accounts,
    exchange accounts, price sources, valuation policies, cost methods, concentration limits,
    contract locations, priced assets), the vars or the code of any model
    (models_code_fingerprint) differ from the previous run's.
-#}
{%- set offchain_days = inventory_existing_relation_named(
    mart_snapshot_relation('mart_offchain_days')
) -%}
{%- set price_days = inventory_existing_relation_named(
    mart_snapshot_relation('mart_price_days')
) -%}
{%- set exchange_refs = inventory_existing_relation_named(
    mart_snapshot_relation('mart_exchange_refs')
) -%}
{%- set has_state = (
    is_incremental()
    and not inventory_full_refresh()
    and 'inventory_run_seq' in inventory_column_names(this)
    and offchain_days is not none
    and price_days is not none
    and exchange_refs is not none
) -%}

with

inventory_cuts as (

    select * from {{ ref('int_inventory__incremental_cuts') }}

),

fingerprint as (

    select
        {{ string_hash(
            relation_rows_hash("select * from " ~ ref('stg_registry__networks'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_registry__wallets'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_registry__entities'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_registry__accounts'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_exchange__accounts'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_prices__price_sources'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_prices__valuation_policies'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_prices__cost_methods'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_registry__concentration_limits'))
            ~ " || " ~ relation_rows_hash("select * from " ~ ref('stg_registry__contract_locations'))
            ~ " || " ~ relation_rows_hash(
                "select distinct asset from " ~ ref('stg_prices__prices')
            )
            ~ " || '|" ~ var('reporting_timezone') ~ "|" ~ var('start_date')
            ~ "|" ~ models_code_fingerprint() ~ "'"
        ) }} as inputs_fingerprint

),

latest_inventory_run as (

    select max(run_seq) as inventory_run_seq from inventory_cuts

),

{% if has_state %}

previous as (

    select
        inputs_fingerprint,
        inventory_run_seq

    from {{ this }}
    where inputs_fingerprint is not null
    qualify row_number() over (order by run_seq desc) = 1

),

-- inventory cuts appended since this log's previous run
new_inventory_cuts as (

    select
        max(case when inventory_cuts.rebuild_all then 1 else 0 end) = 1 as rebuild_all,
        min(inventory_cuts.cut_date) as cut_date

    from inventory_cuts
    where inventory_cuts.run_seq > coalesce((select previous.inventory_run_seq from previous), -1)

),

offchain_days_now as (

    {{ mart_offchain_days_sql() }}

),

offchain_changes as (

    select coalesce(now_days.as_of_date, seen_days.as_of_date) as changed_date

    from offchain_days_now as now_days

    full outer join {{ offchain_days }} as seen_days
        on now_days.as_of_date = seen_days.as_of_date

    where now_days.day_hash is distinct from seen_days.day_hash

),

price_days_now as (

    {{ mart_price_days_sql() }}

),

price_changes as (

    select coalesce(now_days.as_of_date, seen_days.as_of_date) as changed_date

    from price_days_now as now_days

    full outer join {{ price_days }} as seen_days
        on now_days.as_of_date = seen_days.as_of_date

    where now_days.day_hash is distinct from seen_days.day_hash

),

exchange_refs_now as (

    {{ mart_exchange_refs_sql() }}

),

exchange_changes as (

    select least(now_refs.first_date, seen_refs.first_date) as changed_date

    from exchange_refs_now as now_refs

    full outer join {{ exchange_refs }} as seen_refs
        on
            now_refs.account_id = seen_refs.account_id
            and now_refs.ref_id is not distinct from seen_refs.ref_id

    where now_refs.ref_hash is distinct from seen_refs.ref_hash

),

cut_candidates as (

    select
        cut_date,
        'inventory cut' as reason

    from new_inventory_cuts
    where cut_date is not null

    union all

    select
        changed_date as cut_date,
        'off-chain positions changed' as reason

    from offchain_changes

    union all

    select
        changed_date as cut_date,
        'prices changed' as reason

    from price_changes

    union all

    select
        changed_date as cut_date,
        'exchange entries changed' as reason

    from exchange_changes

),

cuts as (

    select
        min(cut_date) as cut_date,
        {{ ordered_string_agg('distinct reason', "', '", 'order by reason') }} as reason

    from cut_candidates

),

decided as (

    select
        previous.inputs_fingerprint is null
        or previous.inputs_fingerprint != fingerprint.inputs_fingerprint
        or coalesce(new_inventory_cuts.rebuild_all, false) as rebuild_all,
        cuts.cut_date,
        case
            when previous.inputs_fingerprint is null then 'first run'
            when previous.inputs_fingerprint != fingerprint.inputs_fingerprint
                then 'configuration, vars or model code changed'
            when new_inventory_cuts.rebuild_all then 'inventory rebuilt'
            else coalesce(cuts.reason, 'nothing changed')
        end as reason,
        fingerprint.inputs_fingerprint

    from fingerprint

    cross join cuts

    cross join new_inventory_cuts

    left join previous
        on true

),

{% else %}

decided as (

    select
        true as rebuild_all,
        cast(null as date) as cut_date,
        '{{ "full refresh" if inventory_full_refresh() else "first build" }}' as reason,
        inputs_fingerprint

    from fingerprint

),

{% endif %}

final as (

    select
        {{ cut_log_run_seq() }} as run_seq,
        cast('{{ invocation_id }}' as string) as invocation_id,
        cast(decided.rebuild_all as boolean) as rebuild_all,
        cast(
            case when decided.rebuild_all then null else decided.cut_date end as date
        ) as cut_date,
        cast(decided.reason as string) as reason,
        cast(decided.inputs_fingerprint as string) as inputs_fingerprint,
        cast(latest_inventory_run.inventory_run_seq as bigint) as inventory_run_seq

    from decided

    cross join latest_inventory_run

)

select * from final
