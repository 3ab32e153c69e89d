{#-
    An exact decimal as text without trailing zeros ('1234.5', '-7', '0'), for sentences
    in the marts (never for arithmetic).
-#}
{% macro decimal_text(expression) -%}
{{ return(adapter.dispatch('decimal_text', 'usd1_inventory')(expression)) }}
{%- endmacro %}

{% macro default__decimal_text(expression) -%}
case
    when {{ expression }} is null then 'n/a'
    when {{ expression }} = 0 then '0'
    when cast({{ expression }} as string) like '%.%'
        then rtrim(rtrim(cast({{ expression }} as string), '0'), '.')
    else cast({{ expression }} as string)
end
{%- endmacro %}

{#- Spark's two-argument rtrim is rtrim(characters, string): the SQL-standard trim instead. -#}
{% macro spark__decimal_text(expression) -%}
case
    when {{ expression }} is null then 'n/a'
    when {{ expression }} = 0 then '0'
    when cast({{ expression }} as string) like '%.%'
        then trim(trailing '.' from trim(trailing '0' from cast({{ expression }} as string)))
    else cast({{ expression }} as string)
end
{%- endmacro %}
