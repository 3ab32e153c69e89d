{#-
    Exact USD arithmetic for valuation (NOTES.md: DuckDB turns DECIMAL division into DOUBLE).

    round_usd(x): x (any DECIMAL) rounded to DECIMAL(38,6), half to even ("banker's").
    DuckDB's DECIMAL cast rounds half away from zero, so a tie that landed on an odd last digit
    is moved back one unit; Spark's bround is half-even already.

    divide_half_even(numerator, denominator): numerator (USD) / denominator (token units) as
    DECIMAL(38,12), half-even, computed with integer division (no DOUBLE). The denominator is
    first rounded to 12 decimals; a zero or null denominator gives NULL. Non-negative inputs.

    DuckDB uses HUGEINT for the integer steps, so the implementations live behind
    adapter.dispatch (duckdb__, spark__); another adapter gets a compile error naming the macro.
-#}
{% macro round_usd(expression) -%}
{{ return(adapter.dispatch('round_usd', 'usd1_inventory')(expression)) }}
{%- endmacro %}

{% macro duckdb__round_usd(expression) -%}
cast(
    case
        when
            abs(
                cast({{ expression }} as decimal(38, 24))
                - cast(cast({{ expression }} as decimal(38, 6)) as decimal(38, 24))
            ) = cast('0.0000005' as decimal(38, 24))
            and cast(cast({{ expression }} as decimal(38, 6)) * 1000000 as hugeint) % 2 <> 0
            then
                cast({{ expression }} as decimal(38, 6))
                - case
                    when {{ expression }} > 0 then cast('0.000001' as decimal(38, 6))
                    else cast('-0.000001' as decimal(38, 6))
                end
        else cast({{ expression }} as decimal(38, 6))
    end
    as decimal(38, 6)
)
{%- endmacro %}

{% macro spark__round_usd(expression) -%}
cast(bround({{ expression }}, 6) as decimal(38, 6))
{%- endmacro %}

{% macro divide_half_even(numerator, denominator) -%}
{{ return(adapter.dispatch('divide_half_even', 'usd1_inventory')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__divide_half_even(numerator, denominator) -%}
{%- set n -%}
(cast(cast({{ numerator }} as decimal(38, 6)) * 1000000 as hugeint)
    * cast('1000000000000000000' as hugeint))
{%- endset -%}
{%- set d -%}
nullif(cast(cast({{ denominator }} as decimal(38, 12)) * 1000000000000 as hugeint), 0)
{%- endset -%}
cast(
    cast(
        {{ n }} // {{ d }}
        + case
            when
                2 * ({{ n }} % {{ d }}) > {{ d }}
                or (2 * ({{ n }} % {{ d }}) = {{ d }} and ({{ n }} // {{ d }}) % 2 = 1)
                then 1
            else 0
        end
        as decimal(38, 0)
    ) * cast('0.000000000001' as decimal(38, 12))
    as decimal(38, 12)
)
{%- endmacro %}

{% macro spark__divide_half_even(numerator, denominator) -%}
cast(
    bround(
        cast({{ numerator }} as decimal(38, 6))
        / nullif(cast({{ denominator }} as decimal(38, 12)), 0),
        12
    ) as decimal(38, 12)
)
{%- endmacro %}

{% macro default__round_usd(expression) -%}
{{ exceptions.raise_compiler_error(
    "round_usd: no implementation for adapter '" ~ adapter.type() ~ "'"
) }}
{%- endmacro %}

{% macro default__divide_half_even(numerator, denominator) -%}
{{ exceptions.raise_compiler_error(
    "divide_half_even: no implementation for adapter '" ~ adapter.type() ~ "'"
) }}
{%- endmacro %}

{#-
    The lot each consumed position falls in (int_valuation__fifo_pool): per entity × asset,
    the last lot of `lots` whose lot_start is below the position's consumed_to (lots of
    positive quantity, so lot_start increases strictly). Columns: entity, asset,
    event_sequence, end_kind, lot_quantity, lot_cost_usd, lot_unit_cost_usd,
    earlier_lots_cost_usd, consumed_in_lot.

    DuckDB: an ASOF join (a sort-merge; a range join on the lots' intervals compared every event
    with every lot). Spark has no ASOF join: the positions and the lots' starts are sorted
    together in one window per pool, each position takes the greatest lot start before it
    (a position equal to a lot start sorts before it: strictly below), and the lot is joined
    on that start.
-#}
{% macro fifo_locate_lots(ends, lots) -%}
{{ return(adapter.dispatch('fifo_locate_lots', 'usd1_inventory')(ends, lots)) }}
{%- endmacro %}

{% macro duckdb__fifo_locate_lots(ends, lots) -%}
select
    {{ ends }}.entity,
    {{ ends }}.asset,
    {{ ends }}.event_sequence,
    {{ ends }}.end_kind,
    {{ lots }}.lot_quantity,
    {{ lots }}.lot_cost_usd,
    {{ lots }}.lot_unit_cost_usd,
    {{ lots }}.earlier_lots_cost_usd,
    least({{ ends }}.consumed_to - {{ lots }}.lot_start, {{ lots }}.lot_quantity) as consumed_in_lot

from {{ ends }}

asof left join {{ lots }}
    on
        {{ ends }}.entity = {{ lots }}.entity
        and {{ ends }}.asset = {{ lots }}.asset
        and {{ ends }}.consumed_to > {{ lots }}.lot_start

{%- endmacro %}

{% macro spark__fifo_locate_lots(ends, lots) -%}
select
    located_starts.entity,
    located_starts.asset,
    located_starts.event_sequence,
    located_starts.end_kind,
    {{ lots }}.lot_quantity,
    {{ lots }}.lot_cost_usd,
    {{ lots }}.lot_unit_cost_usd,
    {{ lots }}.earlier_lots_cost_usd,
    least(located_starts.consumed_to - {{ lots }}.lot_start, {{ lots }}.lot_quantity)
        as consumed_in_lot
from (
    select
        entity,
        asset,
        event_sequence,
        end_kind,
        consumed_to,
        is_lot,
        max(lot_start) over (
            partition by entity, asset
            order by axis_position, is_lot
            rows between unbounded preceding and current row
        ) as matched_lot_start
    from (
        select
            entity,
            asset,
            event_sequence,
            end_kind,
            consumed_to,
            consumed_to as axis_position,
            cast(null as decimal(38, 18)) as lot_start,
            0 as is_lot
        from {{ ends }}
        union all
        select
            entity,
            asset,
            cast(null as bigint) as event_sequence,
            cast(null as string) as end_kind,
            cast(null as decimal(38, 18)) as consumed_to,
            lot_start as axis_position,
            lot_start,
            1 as is_lot
        from {{ lots }}
    ) as axis
) as located_starts
left join {{ lots }}
    on
        located_starts.entity = {{ lots }}.entity
        and located_starts.asset = {{ lots }}.asset
        and located_starts.matched_lot_start = {{ lots }}.lot_start
where located_starts.is_lot = 0
{%- endmacro %}
