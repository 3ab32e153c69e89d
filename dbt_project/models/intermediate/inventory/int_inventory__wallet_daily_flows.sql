{{
    config(
        materialized=cut_materialization(),
        incremental_strategy=cut_incremental_strategy(),
        partition_by=cut_partition_by(['network', 'block_date']),
        file_format=cut_file_format(),
        on_schema_change='append_new_columns',
        pre_hook="{{ inventory_delete_from_cut('block_date') }}",
        post_hook="{{ inventory_record_watermark() }}",
    )
}}
-- depends_on: {{ ref('int_inventory__incremental_cuts') }}
{%- set cut_floor = inventory_cut_floor() %}
{#
    The FINAL movements of each registry wallet summed per local day and kind of flow: one row
    per network × address × block_date with at least one final movement (any day, also before
    var('start_date') and on days not synced). What inventory_rollforward sums into periods, so
    that a roll-forward run reads a few rows per wallet-day instead of every movement.

    Incremental: days from the cut on (int_inventory__incremental_cuts) are deleted and summed
    again from the movements of those days; a day's row depends only on that day's movements.
-#}

with

{% if is_incremental() -%}

cut as (

    {{ inventory_cut_sql() }}

),

{% endif -%}

movements as (

    select movements.*
    from {{ ref('int_inventory__wallet_movements') }} as movements
    {% if is_incremental() %}
    inner join cut
        on movements.network = cut.network
    where
        movements.is_final
        and {{ inventory_in_cut('movements.block_date') }}
        {%- if cut_floor is not none %}
        and movements.block_date >= cast('{{ cut_floor }}' as date)
        {%- endif %}
    {% else %}
    where movements.is_final
    {% endif %}

),

daily as (

    select
        network,
        address,
        block_date,
        {%- for column, direction, movement_type in [
            ('inflows_external', 'in', 'external'),
            ('outflows_external', 'out', 'external'),
            ('transfers_in_internal', 'in', 'internal'),
            ('transfers_out_internal', 'out', 'internal'),
            ('mints', 'in', 'mint'),
            ('burns', 'out', 'burn'),
        ] %}
        cast(sum(case
            when
                direction = '{{ direction }}'
                and movement_type = '{{ movement_type }}'
                then amount
            else cast(0 as decimal(38, 18))
        end) as decimal(38, 18)) as {{ column }},
        {%- endfor %}

        cast(sum(signed_amount) as decimal(38, 18)) as net_amount

    from movements

    group by network, address, block_date

)

select * from daily
