{#-
    Base units (an integer amount_raw) to token units, exactly, as DECIMAL(38,18).

    `to_token_units('amount_raw', 'token_decimals')` multiplies by the exact constant 10^-decimals,
    chosen by a CASE over 0..18. Never divide and never use power(): DuckDB turns
    `DECIMAL / x` and power() into DOUBLE (NOTES.md). DECIMAL(38,0) x DECIMAL(38,18) is
    DECIMAL(38,18) in DuckDB (20 integer digits); a value that does not fit raises an
    out-of-range error instead of being rounded. Decimals outside 0..18 give NULL, which the
    not_null tests on amounts catch.

    Spark: run with spark.sql.decimalOperations.allowPrecisionLoss=false (and ANSI mode on), or
    Spark cuts the product's scale to 6 instead of keeping 18.
-#}
{% macro to_token_units(amount_raw, decimals) -%}
cast(
    cast({{ amount_raw }} as decimal(38, 0))
    * {{ token_unit_factor(decimals) }}
    as decimal(38, 18)
)
{%- endmacro %}

{#- 10^-decimals as an exact DECIMAL(38,18) literal. -#}
{% macro token_unit_factor(decimals) -%}
case {{ decimals }}
    when 0 then cast('1' as decimal(38, 18))
    when 1 then cast('0.1' as decimal(38, 18))
    when 2 then cast('0.01' as decimal(38, 18))
    when 3 then cast('0.001' as decimal(38, 18))
    when 4 then cast('0.0001' as decimal(38, 18))
    when 5 then cast('0.00001' as decimal(38, 18))
    when 6 then cast('0.000001' as decimal(38, 18))
    when 7 then cast('0.0000001' as decimal(38, 18))
    when 8 then cast('0.00000001' as decimal(38, 18))
    when 9 then cast('0.000000001' as decimal(38, 18))
    when 10 then cast('0.0000000001' as decimal(38, 18))
    when 11 then cast('0.00000000001' as decimal(38, 18))
    when 12 then cast('0.000000000001' as decimal(38, 18))
    when 13 then cast('0.0000000000001' as decimal(38, 18))
    when 14 then cast('0.00000000000001' as decimal(38, 18))
    when 15 then cast('0.000000000000001' as decimal(38, 18))
    when 16 then cast('0.0000000000000001' as decimal(38, 18))
    when 17 then cast('0.00000000000000001' as decimal(38, 18))
    when 18 then cast('0.000000000000000001' as decimal(38, 18))
end
{%- endmacro %}
