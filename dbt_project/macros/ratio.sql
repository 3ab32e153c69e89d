{#-
    ratio_half_even(numerator, denominator): numerator / denominator, both token amounts
    (DECIMAL(38,18), non-negative), as DECIMAL(38,18) rounded half to even, exactly: no DOUBLE
    (NOTES.md: DuckDB turns DECIMAL division into DOUBLE). A zero or null denominator gives
    NULL. For shares (balance / total) and ratios of token amounts; divide_half_even
    (valuation.sql) is for USD / units.

    DuckDB: long division in HUGEINT on the 18-decimal integers, 3 digits at a time (each
    remainder times 1000 must fit HUGEINT), so a denominator up to 10^17 token units (10^35
    at 18 decimals) is exact; a larger one overflows HUGEINT and the query fails (never a wrong
    number). 9 digits at a time overflowed from 10^11 tokens (the 5M-transfer bench holds 10^12).
-#}
{% macro ratio_half_even(numerator, denominator) -%}
{{ return(adapter.dispatch('ratio_half_even', 'usd1_inventory')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__ratio_half_even(numerator, denominator) -%}
{%- set scaled -%}
    (cast(floor(cast({x} as decimal(38, 18))) as hugeint) * cast('1000000000000000000' as hugeint)
    + cast(
        (cast({x} as decimal(38, 18)) - floor(cast({x} as decimal(38, 18))))
        * cast('1000000000000000000' as decimal(38, 0)) as hugeint
    ))
{%- endset -%}
{%- set n = scaled | replace('{x}', numerator) -%}
{%- set d = 'nullif(' ~ (scaled | replace('{x}', denominator)) ~ ', 0)' -%}
{%- set kilo = "cast(1000 as hugeint)" -%}
{#- remainders r_1 .. r_6: each step brings down 3 more digits of the 18 decimals -#}
{%- set remainders = ['(' ~ n ~ ' % ' ~ d ~ ')'] -%}
{%- for _ in range(6) -%}
{%- do remainders.append('((' ~ remainders[-1] ~ ' * ' ~ kilo ~ ') % ' ~ d ~ ')') -%}
{%- endfor -%}
{%- set last_digits = '((' ~ remainders[5] ~ ' * ' ~ kilo ~ ') // ' ~ d ~ ')' -%}
cast(
    cast(
        ({{ n }} // {{ d }}) * cast('1000000000000000000' as hugeint)
{%- for step in range(1, 6) %}
        + (({{ remainders[step - 1] }} * {{ kilo }}) // {{ d }})
        * cast('1{{ "0" * (18 - 3 * step) }}' as hugeint)
{%- endfor %}
        + {{ last_digits }}
        + case
            when
                2 * {{ remainders[6] }} > {{ d }}
                or (2 * {{ remainders[6] }} = {{ d }} and {{ last_digits }} % 2 = 1)
                then 1
            else 0
        end
        as decimal(38, 0)
    ) * cast('0.000000000000000001' as decimal(38, 18))
    as decimal(38, 18)
)
{%- endmacro %}

{% macro spark__ratio_half_even(numerator, denominator) -%}
cast(
    bround(
        cast({{ numerator }} as decimal(38, 18))
        / nullif(cast({{ denominator }} as decimal(38, 18)), 0),
        18
    ) as decimal(38, 18)
)
{%- endmacro %}

{% macro default__ratio_half_even(numerator, denominator) -%}
{{ exceptions.raise_compiler_error(
    "ratio_half_even: no implementation for adapter '" ~ adapter.type() ~ "'"
) }}
{%- endmacro %}

{#-
    share_of_amount_floor(share, amount): share × amount (share in [0, 1], amount in token units,
    both DECIMAL(38,18), non-negative) floored to 18 decimals: the largest token amount that does
    not exceed the exact product, so `x > share_of_amount_floor(s, a)` exactly when x > s × a
    for any 18-decimal x. The product is split into amount's integer part (exact at 18 decimals)
    and its fraction (36 decimals, below 1), because DECIMAL(38,18) × DECIMAL(38,18) overflows.
-#}
{% macro share_of_amount_floor(share, amount) -%}
{{ return(adapter.dispatch('share_of_amount_floor', 'usd1_inventory')(share, amount)) }}
{%- endmacro %}

{% macro duckdb__share_of_amount_floor(share, amount) -%}
{%- set s = 'cast(' ~ share ~ ' as decimal(38, 18))' -%}
{%- set a = 'cast(' ~ amount ~ ' as decimal(38, 18))' -%}
{%- set fraction = '(' ~ s ~ ' * (' ~ a ~ ' - floor(' ~ a ~ ')))' -%}
cast(
    cast({{ s }} * cast(floor({{ a }}) as decimal(38, 0)) as decimal(38, 18))
    + case
        when cast(cast({{ fraction }} as decimal(38, 18)) as decimal(38, 36)) > {{ fraction }}
            then cast({{ fraction }} as decimal(38, 18)) - cast('0.000000000000000001' as decimal(38, 18))
        else cast({{ fraction }} as decimal(38, 18))
    end
    as decimal(38, 18)
)
{%- endmacro %}

{#- Spark: the same split. The fraction's product (share <= 1 times a fraction < 1) is typed
    DECIMAL(38,36) from DECIMAL(19,18) x DECIMAL(18,18) and floored to 18 places with
    floor(x, 18): scaling it by 10^18 first would overflow DECIMAL(38,36) (ANSI mode fails). -#}
{% macro spark__share_of_amount_floor(share, amount) -%}
{%- set s = 'cast(' ~ share ~ ' as decimal(38, 18))' -%}
{%- set a = 'cast(' ~ amount ~ ' as decimal(38, 18))' -%}
cast(
    cast({{ s }} * cast(floor({{ a }}) as decimal(38, 0)) as decimal(38, 18))
    + cast(
        floor(
            cast({{ s }} as decimal(19, 18))
            * cast({{ a }} - floor({{ a }}) as decimal(18, 18)),
            18
        ) as decimal(38, 18)
    )
    as decimal(38, 18)
)
{%- endmacro %}

{% macro default__share_of_amount_floor(share, amount) -%}
{{ exceptions.raise_compiler_error(
    "share_of_amount_floor: no implementation for adapter '" ~ adapter.type() ~ "'"
) }}
{%- endmacro %}
