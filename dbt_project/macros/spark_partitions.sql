{#-
    Spark's side of the incremental models (macros/engine.sql): Parquet tables have no DELETE,
    so a pre-hook removes the partitions to recompute instead, and the model's select (the rows
    from the cut on) is written with `insert_overwrite` into exactly those partitions.

    A model's partition columns (`cut_partition_by`) are chosen so that the rows DuckDB deletes
    are whole partitions: the delete condition depends on partition columns only (e.g. network
    and local day). The partitions to drop are those holding a row that matches it, found by
    one query over the partition columns (Spark answers it from the partition directories);
    they are dropped with ALTER TABLE ... DROP PARTITION (a managed table's directory goes with
    it). Partitions the new select produces are written again, those it no longer produces stay
    dropped, the others are kept.
-#}

{#- The partition columns of the model being built (a list; empty when not partitioned). -#}
{% macro spark_partition_columns() -%}
{%- set partition_by = config.get('partition_by') -%}
{%- if partition_by is none -%}
{{ return([]) }}
{%- elif partition_by is string -%}
{{ return([partition_by]) }}
{%- endif -%}
{{ return(partition_by | list) }}
{%- endmacro %}

{#- A partition value as a SQL literal of a partition spec. -#}
{% macro spark_partition_literal(value) -%}
{{ return("'" ~ (value | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}

{#-
    Drop every partition of `this` holding a row for which `where_sql` is true (`where_sql`
    sees the table as `target`). Runs the statements itself (from a hook: renders nothing).
    A Delta or Iceberg table (file_format) has DELETE but no DROP PARTITION: its rows are
    deleted instead.
-#}
{% macro spark_drop_partitions_where(where_sql) -%}
{%- if execute and config.get('file_format') in ('delta', 'iceberg') -%}
{#- table formats with DELETE (Databricks): delete the rows; untested here (no JARs) -#}
{%- do run_query('delete from ' ~ this ~ ' as target where ' ~ where_sql) -%}
{%- elif execute -%}
{%- set columns = spark_partition_columns() -%}
{%- if columns | length == 0 -%}
{%- do exceptions.raise_compiler_error(
    this.identifier ~ ': an incremental model on Spark needs partition_by (cut_partition_by)'
) -%}
{%- endif -%}
{%- set selected = [] -%}
{%- for column in columns -%}
{%- do selected.append('cast(target.' ~ column ~ ' as string) as ' ~ column) -%}
{%- endfor -%}
{%- set rows = run_query(
    'select distinct ' ~ selected | join(', ') ~ ' from ' ~ this ~ ' as target where '
    ~ where_sql
).rows -%}
{%- set specs = [] -%}
{%- for row in rows -%}
{%- set values = [] -%}
{%- for column in columns -%}
{%- if row[loop.index0] is none -%}
{%- do exceptions.raise_compiler_error(
    this.identifier ~ ': partition column ' ~ column ~ ' is null in a row to recompute'
) -%}
{%- endif -%}
{%- do values.append(column ~ ' = ' ~ spark_partition_literal(row[loop.index0])) -%}
{%- endfor -%}
{%- do specs.append('partition (' ~ values | join(', ') ~ ')') -%}
{%- endfor -%}
{%- for batch in specs | batch(200) -%}
{%- do run_query('alter table ' ~ this ~ ' drop if exists ' ~ batch | join(', ')) -%}
{%- endfor -%}
{%- endif -%}
{%- endmacro %}

{#- Replace a (non-model) table by the rows of `sql`, as a Parquet table; renders nothing. -#}
{% macro spark_replace_table(relation, sql) -%}
{%- if execute -%}
{%- do run_query('drop table if exists ' ~ relation) -%}
{%- do run_query('create table ' ~ relation ~ ' using parquet as ' ~ sql) -%}
{%- endif -%}
{%- endmacro %}
