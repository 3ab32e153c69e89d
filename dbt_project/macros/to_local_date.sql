{#-
    The local calendar date, in the reporting time zone, of a UTC timestamp column.

    A day (and so every period) is cut in `var('reporting_timezone')`; timestamps stay UTC.
    `to_local_date('block_time')` -> the date of `block_time` as a clock in that zone shows it.
-#}
{% macro to_local_date(column_name, timezone=none) -%}
{%- set zone = timezone or var('reporting_timezone') -%}
{#- the zone is spliced into SQL as a literal: accept IANA names only -#}
{%- if not modules.re.match('^[A-Za-z][A-Za-z0-9_+/-]*$', zone) -%}
{{ exceptions.raise_compiler_error(
    "reporting_timezone must be an IANA time zone name such as 'UTC' or "
    ~ "'America/New_York', got '" ~ zone ~ "'"
) }}
{%- endif -%}
{{ return(adapter.dispatch('to_local_date', 'usd1_inventory')(column_name, zone)) }}
{%- endmacro %}

{#- DuckDB: timezone(zone, timestamptz) gives the local wall-clock timestamp (icu, built in). -#}
{% macro duckdb__to_local_date(column_name, timezone) -%}
cast(timezone('{{ timezone }}', {{ column_name }}) as date)
{%- endmacro %}

{#- Spark: timestamps are instants; from_utc_timestamp shifts a UTC instant to the zone's clock.
    Requires the Spark session time zone to be UTC (spark.sql.session.timeZone=UTC). -#}
{% macro spark__to_local_date(column_name, timezone) -%}
cast(from_utc_timestamp({{ column_name }}, '{{ timezone }}') as date)
{%- endmacro %}

{% macro default__to_local_date(column_name, timezone) -%}
{{ exceptions.raise_compiler_error(
    "to_local_date: no implementation for adapter '" ~ adapter.type()
    ~ "'; add a " ~ adapter.type() ~ "__to_local_date macro"
) }}
{%- endmacro %}
