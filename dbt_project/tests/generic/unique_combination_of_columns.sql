{#-
    No two rows share the same values in `combination_of_columns` (a composite key),
    in the spirit of dbt_utils.unique_combination_of_columns (dbt packages are out of reach).
    Returns one row per duplicated key with the number of rows that share it.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) -%}
{%- set columns_csv = combination_of_columns | join(', ') -%}

with

validation as (

    select
        {{ columns_csv }},
        count(*) as n_rows

    from {{ model }}

    group by {{ columns_csv }}

)

select *
from validation
where n_rows > 1

{%- endtest %}
