{#-
    ASOF joins on every engine: for each row of `left`, the row of `right` with the same
    `equal_columns` whose `right_key` is the closest to `left_key` on the side `op` says
    (`'>='`: the greatest right_key <= left_key; `'<='`: the least right_key >= left_key).
    Keys are unique per (equal_columns, right_key) in `right` (as ASOF needs to be
    deterministic).

    Used in two pieces inside a model's CTE list:

        {{ asof_keys('pool_keys', 'period_pools', 'basis_events', ['entity', 'asset'],
                     'as_of_key', '>=', 'event_key') }}
        pool_at_period as (
            select ... from period_pools
            {{ asof_join('inner', 'period_pools', 'basis_events', ['entity', 'asset'],
                         'as_of_key', '>=', 'event_key', 'pool_keys') }}
        ),

    DuckDB: `asof_keys` emits nothing and `asof_join` is DuckDB's ASOF JOIN (a sort-merge),
    exactly the SQL the models had before.
    Spark has no ASOF join: `asof_keys` is a CTE that sorts the distinct left keys and the
    right keys together in one window per equal_columns group (no comparison of every left row
    with every right row) and takes the running max (or min) of the right keys; `asof_join`
    joins the left rows to it and then the right rows on the matched key.
-#}
{% macro asof_keys(name, left, right, equal_columns, left_key, op, right_key) -%}
{%- if op not in ['>=', '<='] -%}
{{ exceptions.raise_compiler_error("asof_keys: op must be '>=' or '<=', got " ~ op) }}
{%- endif -%}
{{ return(adapter.dispatch('asof_keys', 'usd1_inventory')(
    name, left, right, equal_columns, left_key, op, right_key
)) }}
{%- endmacro %}

{% macro default__asof_keys(name, left, right, equal_columns, left_key, op, right_key) -%}
{%- endmacro %}

{% macro spark__asof_keys(name, left, right, equal_columns, left_key, op, right_key) -%}
{%- set eq = equal_columns | join(', ') -%}
{{ name }} as (

    select
        {{ eq }},
        asof_position as asof_left_key,
        asof_right_key

    from (
        select
            {{ eq }},
            asof_position,
            is_left,
            {{ 'max' if op == '>=' else 'min' }}(case when is_left = 0 then asof_position end) over (
                partition by {{ eq }}
                order by asof_position {{ 'asc' if op == '>=' else 'desc' }}, is_left
                rows between unbounded preceding and current row
            ) as asof_right_key
        from (
            select distinct
                {{ eq }},
                {{ left_key }} as asof_position,
                1 as is_left
            from {{ left }}
            union all
            select distinct
                {{ eq }},
                {{ right_key }} as asof_position,
                0 as is_left
            from {{ right }}
        ) as asof_axis
    ) as asof_matched

    where is_left = 1

),
{%- endmacro %}

{% macro asof_join(kind, left, right, equal_columns, left_key, op, right_key, keys) -%}
{{ return(adapter.dispatch('asof_join', 'usd1_inventory')(
    kind, left, right, equal_columns, left_key, op, right_key, keys
)) }}
{%- endmacro %}

{% macro default__asof_join(kind, left, right, equal_columns, left_key, op, right_key, keys) -%}
{%- set conditions = [] -%}
{%- for column in equal_columns -%}
{%- do conditions.append(left ~ '.' ~ column ~ ' = ' ~ right ~ '.' ~ column) -%}
{%- endfor -%}
{%- do conditions.append(left ~ '.' ~ left_key ~ ' ' ~ op ~ ' ' ~ right ~ '.' ~ right_key) -%}
asof {{ kind }} join {{ right }} on {{ conditions | join(' and ') }}
{%- endmacro %}

{% macro spark__asof_join(kind, left, right, equal_columns, left_key, op, right_key, keys) -%}
{%- set to_keys = [] -%}
{%- set to_right = [] -%}
{%- for column in equal_columns -%}
{%- do to_keys.append(left ~ '.' ~ column ~ ' = ' ~ keys ~ '.' ~ column) -%}
{%- do to_right.append(keys ~ '.' ~ column ~ ' = ' ~ right ~ '.' ~ column) -%}
{%- endfor -%}
{%- do to_keys.append(left ~ '.' ~ left_key ~ ' = ' ~ keys ~ '.asof_left_key') -%}
{%- do to_right.append(keys ~ '.asof_right_key = ' ~ right ~ '.' ~ right_key) -%}
{{ kind }} join {{ keys }} on {{ to_keys | join(' and ') }}
{{ kind }} join {{ right }} on {{ to_right | join(' and ') }}
{%- endmacro %}
