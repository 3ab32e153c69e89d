{#-
    Every row satisfies a SQL boolean expression, in the spirit of dbt_utils.expression_is_true.
    Used on a model (`expression: "available <= balance"`) or on a column, where the column
    name is put in front of the expression (`expression: ">= 0"`). Rows where the expression
    is NULL pass: pair it with not_null where NULL is not allowed.
-#}
{% test expression_is_true(model, expression, column_name=none) -%}
{%- set condition = expression if column_name is none else column_name ~ ' ' ~ expression -%}

select *
from {{ model }}
where not ({{ condition }})

{%- endtest %}
