{#-
    on-run-start: make the dbt sources readable on the current engine.

    DuckDB reads `raw` and `audit` in the warehouse file itself: nothing to do.
    Spark reads the Parquet that ingestion/raw_parquet.py writes under var('raw_root')
    (`<raw_root>/<schema>/<table>/…/part.parquet`, a local folder or an object-store URI):
    each source becomes an external Parquet table over its folder, read recursively (the
    partition folders are layout; every file holds all columns). Dropping an external table
    removes only its catalog entry, so re-registering picks up new columns and partitions.
-#}
{% macro register_raw_sources() -%}
{{ return(adapter.dispatch('register_raw_sources', 'usd1_inventory')()) }}
{%- endmacro %}

{#- an empty hook is skipped by dbt: nothing runs on DuckDB -#}
{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
{%- if execute -%}
{%- set root = var('raw_root', none) -%}
{%- if not root -%}
{{ exceptions.raise_compiler_error(
    "the spark target reads raw Parquet: pass --vars '{raw_root: <folder or URI>}' "
    ~ "(warehouse.raw_root in the product configuration)"
) }}
{%- endif -%}
{%- set seen = [] -%}
{%- for source in graph.sources.values() -%}
{%- set relation = source.schema ~ '.' ~ source.identifier -%}
{%- if relation not in seen -%}
{%- do seen.append(relation) -%}
{%- do run_query('create schema if not exists ' ~ source.schema) -%}
{%- do run_query('drop table if exists ' ~ relation) -%}
{%- do run_query(
    'create table ' ~ relation ~ " using parquet options (path '"
    ~ root.rstrip('/') ~ '/' ~ source.schema ~ '/' ~ source.identifier
    ~ "', recursiveFileLookup 'true')"
) -%}
{%- endif -%}
{%- endfor -%}
{%- endif -%}
{%- endmacro %}
