{#-
    Whole days from one date to another (end − start), as an integer, on every adapter
    (dbt's cross-database datediff).
-#}
{% macro days_between(start_date, end_date) -%}
cast({{ dbt.datediff(start_date, end_date, 'day') }} as integer)
{%- endmacro %}
