{#-
    A date plus a whole number of days, as a DATE on every adapter
    (dbt.dateadd gives a timestamp on some, e.g. DuckDB).
-#}
{% macro add_days(date_column, days) -%}
cast({{ dbt.dateadd('day', days, date_column) }} as date)
{%- endmacro %}
