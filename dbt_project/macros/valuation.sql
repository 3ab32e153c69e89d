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
