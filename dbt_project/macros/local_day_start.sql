{#-
    The UTC instant (timestamptz) at which a local calendar day starts in the reporting time
    zone: `local_day_start('as_of_date')` is 00:00:00 of that day there, and
    `local_day_start(add_days('as_of_date', 1))` the exclusive end of the day ("balance as of
    a day" counts what happened before it). DST days have 23 or 25 hours.
-#}
{% macro local_day_start(date_expression, timezone=none) -%}
{%- set zone = timezone or var('reporting_timezone') -%}
{%- if not modules.re.match('^[A-Za-z][A-Za-z0-9_+/-]*$', zone) -%}
{{ exceptions.raise_compiler_error(
    "reporting_timezone must be an IANA time zone name, got '" ~ zone ~ "'"
) }}
{%- endif -%}
{{ return(adapter.dispatch('local_day_start', 'usd1_inventory')(date_expression, zone)) }}
{%- endmacro %}

{#- DuckDB (icu): timezone(zone, timestamp) reads a wall-clock time of that zone. -#}
{% macro duckdb__local_day_start(date_expression, timezone) -%}
timezone('{{ timezone }}', cast({{ date_expression }} as timestamp))
{%- endmacro %}

{% macro spark__local_day_start(date_expression, timezone) -%}
to_utc_timestamp(cast({{ date_expression }} as timestamp), '{{ timezone }}')
{%- endmacro %}

{% macro default__local_day_start(date_expression, timezone) -%}
{{ exceptions.raise_compiler_error(
    "local_day_start: no implementation for adapter '" ~ adapter.type() ~ "'"
) }}
{%- endmacro %}

{#-
    The smallest instant after a timestamp (one microsecond later): an exclusive cut-off that
    still counts what happened exactly at the timestamp (`x < instant_after(t)` = `x <= t`).
-#}
{% macro instant_after(timestamp_expression) -%}
{{ dbt.dateadd('microsecond', 1, timestamp_expression) }}
{%- endmacro %}
