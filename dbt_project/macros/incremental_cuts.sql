{#-
    Incremental inventory models: what to recompute, and the same result as a full refresh.

    `int_inventory__incremental_cuts` appends, on every run, one row per network: the first
    local day whose inputs changed since the previous run (`cut_date`; null = nothing changed)
    or `rebuild_all`. Each incremental inventory model (movements, daily flows, positions,
    inventory_daily, inventory_rollforward) consumes every cut row appended since it was last
    built (its watermark in `inventory_incremental_state`), so a model that failed or was
    skipped in a run catches up in the next one. For each network it deletes its rows dated on
    or after the cut (pre-hook `inventory_delete_from_cut`) and inserts them again from the
    inputs (`incremental_strategy='delete+insert'` without a unique key: an insert). Days before
    the cut are unchanged inputs, so the table equals a full refresh.

    A model run without a cut row of the current invocation (e.g. `dbt build -s <model>`
    alone) rebuilds everything and records a `rebuild_all` cut, so the models downstream of it
    rebuild too the next time they run.
-#}

{#- The state table, beside the cuts log: the last cut run_seq each model has consumed. -#}
{% macro inventory_state_relation() -%}
{{ return(cut_state_relation('int_inventory__incremental_cuts', 'inventory_incremental_state')) }}
{%- endmacro %}

{#- The cuts log, as a relation (it is a ref of every consumer). -#}
{% macro inventory_cuts_relation() -%}
{{ return(cut_log_relation('int_inventory__incremental_cuts')) }}
{%- endmacro %}

{#-
    SQL selecting, per network, what this model must recompute: `rebuild_all` (boolean) and
    `cut_date` (first day to recompute; null = nothing). Only meaningful in an incremental run.
-#}
{% macro inventory_cut_sql() -%}
{%- set cuts = inventory_cuts_relation() -%}
{%- set state = inventory_state_relation() -%}
select
    network,
    max(case when rebuild_all then 1 else 0 end) = 1 as rebuild_all,
    min(cut_date) as cut_date
from (
    -- every cut appended since this model was last built
    select
        cuts.network,
        cuts.rebuild_all,
        cuts.cut_date
    from {{ cuts }} as cuts
    where cuts.run_seq > coalesce((
        select max(state.run_seq) from {{ state }} as state
        where state.model_name = '{{ this.identifier }}'
    ), -1)
    union all
    -- never built by this logic, or no cut row in this invocation: recompute everything
    select
        networks.network,
        true as rebuild_all,
        cast(null as date) as cut_date
    from {{ ref('stg_registry__networks') }} as networks
    where
        not exists (
            select 1 from {{ state }} as state
            where state.model_name = '{{ this.identifier }}'
        )
        or not exists (
            select 1 from {{ cuts }} as cuts
            where cuts.invocation_id = '{{ invocation_id }}'
        )
) as pending_cuts
group by network
{%- endmacro %}

{#-
    Pre-hook: in an incremental run, create the state table if needed and delete this model's
    rows of every network to rebuild, on and after its cut day (all of a network's rows when
    it is rebuilt whole, or when the network is no longer configured).
-#}
{% macro inventory_delete_from_cut(date_column, keep_condition='true') -%}
{{ return(adapter.dispatch('inventory_delete_from_cut', 'usd1_inventory')(
    date_column, keep_condition
)) }}
{%- endmacro %}

{#-
    Spark: drop the partitions (network, ..., day) holding those rows instead
    (macros/spark_partitions.sql); `keep_condition` must depend on partition columns only.
-#}
{% macro spark__inventory_delete_from_cut(date_column, keep_condition='true') -%}
{%- if is_incremental() and execute -%}
{%- do run_query(cut_state_ddl(inventory_state_relation())) -%}
{%- do spark_drop_partitions_where(
    "not exists (select 1 from (" ~ inventory_cut_sql() ~ ") as cut"
    ~ " where cut.network = target.network and not cut.rebuild_all and ("
    ~ "cut.cut_date is null or (target." ~ date_column ~ " < cut.cut_date and "
    ~ keep_condition ~ ")))"
) -%}
{%- endif -%}
{%- endmacro %}

{% macro default__inventory_delete_from_cut(date_column, keep_condition='true') -%}
{%- if is_incremental() -%}
{{ cut_state_ddl(inventory_state_relation()) }};
{%- set floor = inventory_cut_floor() %}
delete from {{ this }} as target
where
    {% if floor is not none and keep_condition == 'true' -%}
    target.{{ date_column }} >= cast('{{ floor }}' as date) and
    {% endif -%}
    not exists (
    select 1
    from ({{ inventory_cut_sql() }}) as cut
    where
        cut.network = target.network
        and not cut.rebuild_all
        and (
            cut.cut_date is null
            or (target.{{ date_column }} < cut.cut_date and {{ keep_condition }})
        )
)
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}

{#-
    Post-hook: record the cuts consumed. A run without a cut row of this invocation rebuilt
    everything: log a rebuild_all cut so that the models downstream follow.
-#}
{% macro inventory_record_watermark() -%}
{{ return(cut_log_record_watermark(
    'int_inventory__incremental_cuts', 'inventory_incremental_state', per_network=true
)) }}
{%- endmacro %}

{#- The filter of a model's incremental select: rows of networks and days to recompute. -#}
{% macro inventory_in_cut(date_expression, cut_alias="cut") -%}
(
    {{ cut_alias }}.rebuild_all
    or {{ date_expression }} >= {{ cut_alias }}.cut_date
)
{%- endmacro %}

{#- The existing relation of another model of this project (none if not built yet). -#}
{% macro inventory_existing_relation(model_name) -%}
{%- if not execute -%}
{{ return(none) }}
{%- endif -%}
{%- for node in graph.nodes.values() -%}
{%- if node.resource_type == 'model' and node.name == model_name -%}
{{ return(adapter.get_relation(
    database=node.database, schema=node.schema, identifier=node.alias
)) }}
{%- endif -%}
{%- endfor -%}
{{ return(none) }}
{%- endmacro %}

{#- The column names of a relation, lower-case (empty when it does not exist). -#}
{% macro inventory_column_names(relation) -%}
{%- if relation is none -%}
{{ return([]) }}
{%- endif -%}
{%- set columns = adapter.get_columns_in_relation(relation) -%}
{{ return(columns | map(attribute='name') | map('lower') | list) }}
{%- endmacro %}

{#- Whether this run is a --full-refresh (a macro, so that the SQL linter can stub it). -#}
{% macro inventory_full_refresh() -%}
{{ return(flags.FULL_REFRESH) }}
{%- endmacro %}

{#- md5 of a string expression, on every adapter (dbt.hash). -#}
{% macro string_hash(expression) -%}
{{ dbt.hash(expression) }}
{%- endmacro %}

{#- string_agg with an order, on every adapter. dbt.listagg on DuckDB; dbt-spark's listagg
    ignores the order, so Spark uses its own listagg ... within group (order by ...). -#}
{% macro ordered_string_agg(measure, delimiter_text, order_by_clause) -%}
{{ return(adapter.dispatch('ordered_string_agg', 'usd1_inventory')(
    measure, delimiter_text, order_by_clause
)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(measure, delimiter_text, order_by_clause) -%}
{{ dbt.listagg(measure, delimiter_text, order_by_clause) }}
{%- endmacro %}

{% macro spark__ordered_string_agg(measure, delimiter_text, order_by_clause) -%}
listagg({{ measure }}, {{ delimiter_text }}) within group ({{ order_by_clause }})
{%- endmacro %}

{#-
    The earliest cut day of this model over all networks, read when the model is compiled, as
    'YYYY-MM-DD' for a coarse literal filter that lets the database skip whole row groups (the
    exact per-network filter is `inventory_in_cut`). None when anything is rebuilt whole, when
    not incremental or not executing; '9999-12-31' when nothing changed.
-#}
{% macro inventory_cut_floor() -%}
{%- if not execute or not is_incremental() -%}
{{ return(none) }}
{%- endif -%}
{%- set state = inventory_state_relation() -%}
{%- if adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
{{ return(none) }}
{%- endif -%}
{%- set rows = run_query(
    "select max(case when rebuild_all then 1 else 0 end), "
    ~ "cast(min(cut_date) as string) from (" ~ inventory_cut_sql() ~ ") as cut"
).rows -%}
{%- if rows | length == 0 or rows[0][0] is none -%}
{{ return('9999-12-31') }}
{%- elif rows[0][0] == 1 -%}
{{ return(none) }}
{%- elif rows[0][1] is none -%}
{{ return('9999-12-31') }}
{%- endif -%}
{{ return(rows[0][1]) }}
{%- endmacro %}

{#- Run a query returning one date (as a string) or null, when executing; else none. -#}
{% macro inventory_query_date(sql) -%}
{%- if not execute or not is_incremental() -%}
{{ return(none) }}
{%- endif -%}
{%- set rows = run_query(sql).rows -%}
{{ return(rows[0][0] if rows | length > 0 else none) }}
{%- endmacro %}

{#- The synced days the last run of the cuts model saw (a table beside the cuts log); only
    used by the cuts model itself (`this`), so that it does not ref itself. -#}
{% macro inventory_synced_days_relation() -%}
{{ return(api.Relation.create(
    database=this.database, schema=this.schema, identifier='inventory_synced_days'
)) }}
{%- endmacro %}

{#- A relation as it exists in the warehouse (none if it does not, or when not executing). -#}
{% macro inventory_existing_relation_named(relation) -%}
{%- if not execute -%}
{{ return(none) }}
{%- endif -%}
{{ return(adapter.get_relation(
    database=relation.database, schema=relation.schema, identifier=relation.identifier
)) }}
{%- endmacro %}

{#- The synced local days shown in the marts, as the cuts model compares them. -#}
{% macro inventory_synced_days_sql() -%}
select
    network,
    block_date as as_of_date,
    last_block_number as day_last_block,
    is_day_complete,
    is_final
from {{ ref('stg_onchain__day_blocks') }}
where block_date >= cast('{{ var("start_date") }}' as date)
{%- endmacro %}

{#- Post-hook of the cuts model: remember the synced days it compared against. -#}
{% macro inventory_snapshot_synced_days() -%}
{{ return(adapter.dispatch('inventory_snapshot_synced_days', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro spark__inventory_snapshot_synced_days() -%}
{%- do spark_replace_table(inventory_synced_days_relation(), inventory_synced_days_sql()) -%}
{%- endmacro %}

{% macro duckdb__inventory_snapshot_synced_days() -%}
create or replace table {{ inventory_synced_days_relation() }} as
{{ inventory_synced_days_sql() }}
{%- endmacro %}

{#-
    A fingerprint of the project's model code: the checksums of every model's SQL file, in
    order. Part of the cut logs' inputs_fingerprint, so that a deploy that changes any model
    rebuilds the incremental models once instead of continuing from rows the old code wrote.
-#}
{% macro models_code_fingerprint() -%}
{%- set checksums = [] -%}
{%- if execute -%}
{%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
{%- if node.resource_type == 'model' -%}
{%- do checksums.append(node.name ~ ':' ~ node.checksum.checksum) -%}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{{ return(local_md5(checksums | join(','))) }}
{%- endmacro %}
