{#-
    How the incremental models are materialized on each engine: the one place to change when
    a model is ported (README "When one machine is not enough").

    DuckDB: `incremental` with `delete+insert`; the cut logs (macros/incremental_cuts.sql,
    macros/mart_cuts.sql, both on the shared state-table and watermark macros of
    macros/cut_logs.sql) say from which local day each model recomputes, the pre-hooks delete
    those rows and the post-hooks record the watermark.

    Spark: the same cut logs (Parquet tables, appended to: `append`), state tables and
    watermarks; the models are `incremental` Parquet tables partitioned by `cut_partition_by`
    (network and local day, or the period), written with `insert_overwrite` of the partitions
    the incremental select produces (partitionOverwriteMode dynamic, in the profile). Parquet
    tables have no DELETE: the pre-hooks drop the partitions from the cut on instead
    (macros/spark_partitions.sql), so that a partition the select no longer produces is gone
    too. A full refresh or a rebuild_all cut rebuilds the table whole. The moving-average cost
    pool restarts each pool from its last kept row on both engines (macros/moving_average_pool.sql).
    Delta (Databricks): set `cut_file_format` to 'delta'; `insert_overwrite` of the partitions
    works there as here, and `merge` or replaceWhere become possible (README).
-#}
{% macro cut_materialization() -%}
{{ return(adapter.dispatch('cut_materialization', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__cut_materialization() -%}
{{ return('incremental') }}
{%- endmacro %}

{% macro cut_incremental_strategy() -%}
{{ return(adapter.dispatch('cut_incremental_strategy', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__cut_incremental_strategy() -%}
{{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__cut_incremental_strategy() -%}
{{ return('insert_overwrite') }}
{%- endmacro %}

{#- The strategy of the cut logs themselves: rows of a run appended (DuckDB: by run_seq). -#}
{% macro cut_log_incremental_strategy() -%}
{{ return(adapter.dispatch('cut_log_incremental_strategy', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__cut_log_incremental_strategy() -%}
{{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__cut_log_incremental_strategy() -%}
{{ return('append') }}
{%- endmacro %}

{#- The partition columns of an incremental model: none on DuckDB, `columns` on Spark. -#}
{% macro cut_partition_by(columns) -%}
{{ return(adapter.dispatch('cut_partition_by', 'usd1_inventory')(columns)) }}
{%- endmacro %}

{% macro default__cut_partition_by(columns) -%}
{{ return(none) }}
{%- endmacro %}

{% macro spark__cut_partition_by(columns) -%}
{{ return(columns) }}
{%- endmacro %}

{#- The file format of the incremental models: none on DuckDB, Parquet on Spark. -#}
{% macro cut_file_format() -%}
{{ return(adapter.dispatch('cut_file_format', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__cut_file_format() -%}
{{ return(none) }}
{%- endmacro %}

{% macro spark__cut_file_format() -%}
{{ return('parquet') }}
{%- endmacro %}

{#- The type of a UTC instant: DuckDB's timestamptz; Spark's timestamp (session zone UTC). -#}
{% macro utc_timestamp_type() -%}
{{ return(adapter.dispatch('utc_timestamp_type', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__utc_timestamp_type() -%}
timestamp with time zone
{%- endmacro %}

{% macro spark__utc_timestamp_type() -%}
timestamp
{%- endmacro %}

{#- The integer part of a DECIMAL, toward zero, keeping its type's scale rules. -#}
{% macro truncate_decimal(expression) -%}
{{ return(adapter.dispatch('truncate_decimal', 'usd1_inventory')(expression)) }}
{%- endmacro %}

{% macro default__truncate_decimal(expression) -%}
trunc({{ expression }})
{%- endmacro %}

{% macro spark__truncate_decimal(expression) -%}
(case when {{ expression }} >= 0 then floor({{ expression }}) else ceil({{ expression }}) end)
{%- endmacro %}

{#- A JSON member as text (`path` like '$.network'); null when absent. -#}
{% macro json_text(json_expression, path) -%}
{{ return(adapter.dispatch('json_text', 'usd1_inventory')(json_expression, path)) }}
{%- endmacro %}

{% macro default__json_text(json_expression, path) -%}
json_extract_string({{ json_expression }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(json_expression, path) -%}
get_json_object({{ json_expression }}, '{{ path }}')
{%- endmacro %}

{#- The value of `value` on the row with the greatest `ordering` (an aggregate), null values
    kept (DuckDB's arg_max skips them; arg_max_null keeps them, as Spark's max_by does). -#}
{% macro arg_max_keep_null(value, ordering) -%}
{{ return(adapter.dispatch('arg_max_keep_null', 'usd1_inventory')(value, ordering)) }}
{%- endmacro %}

{% macro default__arg_max_keep_null(value, ordering) -%}
arg_max_null({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro spark__arg_max_keep_null(value, ordering) -%}
max_by({{ value }}, {{ ordering }})
{%- endmacro %}

{#- A UTC instant as text, as DuckDB prints a timestamptz in UTC: '2026-11-01 03:30:00+00'
    (fractional seconds only when not zero, on both engines). -#}
{% macro utc_timestamp_text(expression) -%}
{{ return(adapter.dispatch('utc_timestamp_text', 'usd1_inventory')(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp_text(expression) -%}
cast({{ expression }} as string)
{%- endmacro %}

{% macro spark__utc_timestamp_text(expression) -%}
(cast({{ expression }} as string) || '+00')
{%- endmacro %}

{#- SQL of (table_name, column_name, data_type) for every column of the marts schema. -#}
{% macro marts_column_types() -%}
{{ return(adapter.dispatch('marts_column_types', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro default__marts_column_types() -%}
select table_name, column_name, data_type
from information_schema.columns
where lower(table_schema) = 'marts'
{%- endmacro %}

{#- Spark: the columns of every built mart model, read through the adapter when the test runs. -#}
{% macro spark__marts_column_types() -%}
{%- set rows = [] -%}
{%- if execute -%}
{%- for node in graph.nodes.values() | sort(attribute='name') -%}
{%- if node.resource_type == 'model' and node.schema == 'marts' -%}
{%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
{%- if relation is not none -%}
{%- for column in adapter.get_columns_in_relation(relation) -%}
{%- do rows.append(
    "select '" ~ node.alias ~ "' as table_name, '" ~ column.name
    ~ "' as column_name, '" ~ column.data_type ~ "' as data_type"
) -%}
{%- endfor -%}
{%- endif -%}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{%- if rows -%}
{{ rows | join('\nunion all\n') }}
{%- else -%}
select 'none' as table_name, 'none' as column_name, 'none' as data_type
{%- endif -%}
{%- endmacro %}
