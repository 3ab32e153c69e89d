{#-
    Pre-hook of marts.inventory_daily: in an incremental run, delete every off-chain row
    (custodian, exchange accounts). They are few and cheap, so every run inserts all of them
    again from int_inventory__offchain_daily_positions, whatever the on-chain cut.
-#}
{% macro inventory_delete_offchain_rows() -%}
{{ return(adapter.dispatch('inventory_delete_offchain_rows', 'usd1_inventory')()) }}
{%- endmacro %}

{#- Spark: drop their partitions (location_type is a partition column of both marts). -#}
{% macro spark__inventory_delete_offchain_rows() -%}
{%- if is_incremental() and execute -%}
{%- do spark_drop_partitions_where("target.location_type in ('custodian', 'exchange')") -%}
{%- endif -%}
{%- endmacro %}

{% macro default__inventory_delete_offchain_rows() -%}
{%- if is_incremental() -%}
delete from {{ this }} where location_type in ('custodian', 'exchange')
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}

{#- 10^decimals as an exact DECIMAL(38,0) (0..18 decimals; null otherwise). -#}
{% macro token_unit_multiplier(decimals) -%}
case {{ decimals }}
{%- for d in range(19) %}
    when {{ d }} then cast('1{{ "0" * d }}' as decimal(38, 0))
{%- endfor %}
end
{%- endmacro %}
