{#-
    Whole seconds from one timestamp to another (end − start), as BIGINT, on every adapter
    (dbt's cross-database datediff).
-#}
{% macro seconds_between(start_at, end_at) -%}
cast({{ dbt.datediff(start_at, end_at, 'second') }} as bigint)
{%- endmacro %}
