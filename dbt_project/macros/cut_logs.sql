{#-
    The bookkeeping both cut logs share (int_inventory__incremental_cuts with its state table
    `inventory_incremental_state`, int_inventory__mart_cuts with `mart_incremental_state`):
    the state table beside the log, its DDL, the next run_seq of the log and the post-hook
    recording a model's watermark. Each is parametrised by the cuts log's model name and the
    state table's name; macros/incremental_cuts.sql and macros/mart_cuts.sql call them.
-#}

{#- The cuts log, as a relation (a ref of every consumer). -#}
{% macro cut_log_relation(cuts_model) -%}
{{ return(ref(cuts_model)) }}
{%- endmacro %}

{#- The state table beside a cuts log: the last cut run_seq each model has consumed. -#}
{% macro cut_state_relation(cuts_model, state_table) -%}
{%- set cuts = cut_log_relation(cuts_model) -%}
{{ return(api.Relation.create(
    database=cuts.database, schema=cuts.schema, identifier=state_table
)) }}
{%- endmacro %}

{#- DDL of a state table (a relation), if it does not exist yet. -#}
{% macro cut_state_ddl(state) -%}
{{ return(adapter.dispatch('cut_state_ddl', 'usd1_inventory')(state)) }}
{%- endmacro %}

{% macro spark__cut_state_ddl(state) -%}
create table if not exists {{ state }} (
    model_name string not null,
    run_seq bigint not null,
    invocation_id string not null
) using parquet
{%- endmacro %}

{% macro default__cut_state_ddl(state) -%}
create table if not exists {{ state }} (
    model_name varchar not null,
    run_seq bigint not null,
    invocation_id varchar not null
)
{%- endmacro %}

{#- The run_seq of the next row appended to a cuts log (a relation): one more than its last. -#}
{% macro cut_log_next_run_seq(cuts) -%}
coalesce((select max(previous_runs.run_seq) from {{ cuts }} as previous_runs), 0) + 1
{%- endmacro %}

{#- The run_seq column of a cuts log model's own rows (`this`): 1 on its first build. -#}
{% macro cut_log_run_seq() -%}
{%- if is_incremental() -%}
cast({{ cut_log_next_run_seq(this) }} as bigint)
{%- else -%}
cast(1 as bigint)
{%- endif -%}
{%- endmacro %}

{#-
    Post-hook of a model consuming a cuts log: record the cuts consumed (the log's last
    run_seq, as this model's watermark in the state table). A run without a cut row of this
    invocation rebuilt the model whole: log a rebuild_all cut (one per configured network when
    `per_network`) so that the models downstream follow. `null_columns` (name: SQL type) are
    the log's other columns, null in such a row.
-#}
{% macro cut_log_record_watermark(cuts_model, state_table, per_network=false, null_columns={}) -%}
{{ return(adapter.dispatch('cut_log_record_watermark', 'usd1_inventory')(
    cuts_model, state_table, per_network, null_columns
)) }}
{%- endmacro %}

{#-
    The insert of a rebuild_all cut row into the cuts log (one per configured network when
    `per_network`), unless the log already has a row of this invocation. `text_type` is the
    engine's name of the string type. Rendered when parsing too (its refs).
-#}
{% macro cut_log_rebuild_all_insert(cuts_model, per_network, null_columns, text_type) -%}
{%- set cuts = cut_log_relation(cuts_model) -%}
{%- set network_column = 'network, ' if per_network else '' -%}
{%- set network_value = 'networks.network, ' if per_network else '' -%}
{%- set null_names = [] -%}
{%- set null_values = [] -%}
{%- for column_name, column_type in null_columns.items() -%}
{%- do null_names.append(', ' ~ column_name) -%}
{%- do null_values.append(', cast(null as ' ~ column_type ~ ')') -%}
{%- endfor -%}
{%- set networks_from = (
    'from ' ~ ref('stg_registry__networks') ~ ' as networks' if per_network else ''
) -%}
insert into {{ cuts }} (
    run_seq, invocation_id, {{ network_column }}rebuild_all, cut_date, reason,
    inputs_fingerprint{{ null_names | join('') }}
)
select
    {{ cut_log_next_run_seq(cuts) }},
    '{{ invocation_id }}',
    {{ network_value }}true,
    cast(null as date),
    '{{ this.identifier }} rebuilt without a cut of this run',
    cast(null as {{ text_type }}){{ null_values | join('') }}
{{ networks_from }}
where not exists (
    select 1 from {{ cuts }} as cuts where cuts.invocation_id = '{{ invocation_id }}'
)
{%- endmacro %}

{#-
    Spark: the same rows, each statement run by itself (one statement per call). Parquet tables
    have no DELETE: the state table is appended to, and its readers take a model's highest
    run_seq (the watermark only grows: the cuts log is never truncated).
-#}
{% macro spark__cut_log_record_watermark(cuts_model, state_table, per_network, null_columns) -%}
{%- set cuts = cut_log_relation(cuts_model) -%}
{%- set state = cut_state_relation(cuts_model, state_table) -%}
{%- set rebuild_all_cut = cut_log_rebuild_all_insert(
    cuts_model, per_network, null_columns, 'string'
) -%}
{%- if execute -%}
{%- do run_query(cut_state_ddl(state)) -%}
{%- do run_query(rebuild_all_cut) -%}
{%- do run_query(
    "insert into " ~ state ~ " (model_name, run_seq, invocation_id) select '"
    ~ this.identifier ~ "', coalesce(max(run_seq), 0), '" ~ invocation_id ~ "' from " ~ cuts
) -%}
{%- endif -%}
{%- endmacro %}

{% macro duckdb__cut_log_record_watermark(cuts_model, state_table, per_network, null_columns) -%}
{%- set cuts = cut_log_relation(cuts_model) -%}
{%- set state = cut_state_relation(cuts_model, state_table) -%}
{{ cut_state_ddl(state) }};
{{ cut_log_rebuild_all_insert(cuts_model, per_network, null_columns, 'varchar') }};
delete from {{ state }} where model_name = '{{ this.identifier }}';
insert into {{ state }} (model_name, run_seq, invocation_id)
select
    '{{ this.identifier }}',
    coalesce(max(run_seq), 0),
    '{{ invocation_id }}'
from {{ cuts }}
{%- endmacro %}
