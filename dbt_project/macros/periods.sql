{#- Period arithmetic that gives a DATE on every adapter (dbt's macros give timestamps on some). -#}

{#- The first day of the month or quarter holding a date. -#}
{% macro truncate_to_period(period, date_column) -%}
cast({{ dbt.date_trunc(period, date_column) }} as date)
{%- endmacro %}

{#- A date plus a whole number of months (an SQL expression is allowed). -#}
{% macro add_months(date_column, months) -%}
cast({{ dbt.dateadd('month', months, date_column) }} as date)
{%- endmacro %}
