{#-
    Incremental models downstream of the inventory (the valuation pools, concentration, fair
    value): what to recompute, with the same result as a full refresh.

    `int_inventory__mart_cuts` appends one row per run: the first local day whose inputs
    changed since the previous run over every network and off-chain source (`cut_date`; null =
    nothing changed) or `rebuild_all`. Each model consumes every row appended since it was last
    built (its watermark in the table `mart_incremental_state` beside the log), deletes its
    rows from the cut day on (or whole) in a pre-hook and inserts them again. A model run in
    an invocation that did not append a cut row rebuilds whole and logs `rebuild_all`, so the
    models downstream of it follow the next time they run (as macros/incremental_cuts.sql does
    for the inventory models).
-#}

{% macro mart_cuts_relation() -%}
{{ return(cut_log_relation('int_inventory__mart_cuts')) }}
{%- endmacro %}

{% macro mart_state_relation() -%}
{{ return(cut_state_relation('int_inventory__mart_cuts', 'mart_incremental_state')) }}
{%- endmacro %}

{#- SQL: one row, `rebuild_all` and `cut_date`, over the cuts this model has not consumed. -#}
{% macro mart_cut_sql() -%}
{%- set cuts = mart_cuts_relation() -%}
{%- set state = mart_state_relation() -%}
select
    coalesce(max(case when rebuild_all then 1 else 0 end), 1) = 1 as rebuild_all,
    min(cut_date) as cut_date
from (
    select
        cuts.rebuild_all,
        cuts.cut_date
    from {{ cuts }} as cuts
    where cuts.run_seq > coalesce((
        select max(state.run_seq) from {{ state }} as state
        where state.model_name = '{{ this.identifier }}'
    ), -1)
    union all
    select
        true as rebuild_all,
        cast(null as date) as cut_date
    where
        not exists (
            select 1 from {{ state }} as state
            where state.model_name = '{{ this.identifier }}'
        )
        or not exists (
            select 1 from {{ cuts }} as cuts
            where cuts.invocation_id = '{{ invocation_id }}'
        )
) as pending_cuts
{%- endmacro %}

{#-
    This model's cut, when it is compiled: none = rebuild everything (not incremental, a full
    refresh, a rebuild_all cut, or not executing); 'YYYY-MM-DD' = recompute from that local
    day on; '9999-12-31' = nothing changed.
-#}
{% macro mart_cut_date() -%}
{%- if not execute or not is_incremental() or flags.FULL_REFRESH -%}
{{ return(none) }}
{%- endif -%}
{%- set state = mart_state_relation() -%}
{%- if adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
{{ return(none) }}
{%- endif -%}
{%- set rows = run_query(
    "select rebuild_all, cast(cut_date as string) from (" ~ mart_cut_sql() ~ ") as cut"
).rows -%}
{%- if rows | length == 0 or rows[0][0] -%}
{{ return(none) }}
{%- endif -%}
{{ return(rows[0][1] if rows[0][1] is not none else '9999-12-31') }}
{%- endmacro %}

{#-
    Pre-hook: in an incremental run, delete this model's rows to recompute: all of them when it
    is rebuilt whole, else those whose `date_column` is on or after the cut day. `where_sql`
    replaces the date condition when the grain is not a day (e.g. periods): it is given the
    cut day as a SQL date literal.
-#}
{% macro mart_delete_from_cut(date_column=none, where_sql=none) -%}
{{ return(adapter.dispatch('mart_delete_from_cut', 'usd1_inventory')(date_column, where_sql)) }}
{%- endmacro %}

{#- Spark: drop the partitions holding those rows instead (macros/spark_partitions.sql). -#}
{% macro spark__mart_delete_from_cut(date_column=none, where_sql=none) -%}
{%- if is_incremental() and execute -%}
{%- set cut = mart_cut_date() -%}
{%- if cut is none -%}
{%- do spark_drop_partitions_where('true') -%}
{%- elif where_sql is not none -%}
{%- do spark_drop_partitions_where(
    where_sql | replace('{cut}', "cast('" ~ cut ~ "' as date)")
) -%}
{%- else -%}
{%- do spark_drop_partitions_where(
    'target.' ~ date_column ~ " >= cast('" ~ cut ~ "' as date)"
) -%}
{%- endif -%}
{%- endif -%}
{%- endmacro %}

{% macro default__mart_delete_from_cut(date_column=none, where_sql=none) -%}
{%- if is_incremental() -%}
{%- set cut = mart_cut_date() -%}
{%- if cut is none -%}
delete from {{ this }}
{%- elif where_sql is not none -%}
delete from {{ this }}
where {{ where_sql | replace('{cut}', "cast('" ~ cut ~ "' as date)") }}
{%- else -%}
delete from {{ this }} where {{ date_column }} >= cast('{{ cut }}' as date)
{%- endif -%}
{%- else -%}
select 1
{%- endif -%}
{%- endmacro %}

{#- Post-hook: record the cuts consumed (and log rebuild_all when built outside a cut run). -#}
{% macro mart_record_watermark() -%}
{{ return(cut_log_record_watermark(
    'int_inventory__mart_cuts', 'mart_incremental_state',
    null_columns={'inventory_run_seq': 'bigint'}
)) }}
{%- endmacro %}

{#- `where <date> >= cut` for a model's incremental select (nothing when it is rebuilt). -#}
{% macro mart_in_cut(date_expression, cut) -%}
{%- if cut is none -%}
true
{%- else -%}
{{ date_expression }} >= cast('{{ cut }}' as date)
{%- endif -%}
{%- endmacro %}

{#- md5 over every row of a relation (its text as DuckDB prints a row), order-independent. -#}
{% macro relation_rows_hash(relation_sql) -%}
(
    select coalesce({{ rows_md5('row_text') }}, '')
    from (select {{ row_text('hashed_rows') }} as row_text from ({{ relation_sql }}) as hashed_rows)
)
{%- endmacro %}

{#- A row of a table alias as text (DuckDB prints the row; Spark writes it as JSON). -#}
{% macro row_text(alias) -%}
{{ return(adapter.dispatch('row_text', 'usd1_inventory')(alias)) }}
{%- endmacro %}

{% macro duckdb__row_text(alias) -%}
cast({{ alias }} as varchar)
{%- endmacro %}

{% macro spark__row_text(alias) -%}
to_json(struct({{ alias }}.*))
{%- endmacro %}

{#- md5 of the texts of a group, joined with ';' in text order (an aggregate). -#}
{% macro rows_md5(text_expression) -%}
{{ return(adapter.dispatch('rows_md5', 'usd1_inventory')(text_expression)) }}
{%- endmacro %}

{% macro duckdb__rows_md5(text_expression) -%}
md5(string_agg({{ text_expression }}, ';' order by {{ text_expression }}))
{%- endmacro %}

{% macro spark__rows_md5(text_expression) -%}
md5(array_join(array_sort(collect_list({{ text_expression }})), ';'))
{%- endmacro %}

{#- Tables of the mart cuts log's snapshots (beside the log), for the cuts model itself. -#}
{% macro mart_snapshot_relation(name) -%}
{{ return(api.Relation.create(database=this.database, schema=this.schema, identifier=name)) }}
{%- endmacro %}

{#- Per local day, a hash of the custodian and exchange positions of the inventory. -#}
{% macro mart_offchain_days_sql() -%}
select
    positions.as_of_date,
    {{ rows_md5(row_text('positions')) }}
        as day_hash
from {{ ref('int_inventory__offchain_daily_positions') }} as positions
group by positions.as_of_date
{%- endmacro %}

{#- Per local day, a hash of the valuation prices of the day. -#}
{% macro mart_price_days_sql() -%}
select
    prices.as_of_date,
    {{ rows_md5(row_text('prices')) }} as day_hash
from {{ ref('int_valuation__daily_prices') }} as prices
group by prices.as_of_date
{%- endmacro %}

{#- Per exchange account × ref_id: a hash of its entries and its first local day. -#}
{% macro mart_exchange_refs_sql() -%}
select
    entries.account_id,
    entries.ref_id,
    min({{ to_local_date('entries.occurred_at') }}) as first_date,
    {{ rows_md5(row_text('entries')) }}
        as ref_hash
from {{ ref('stg_exchange__entries') }} as entries
group by entries.account_id, entries.ref_id
{%- endmacro %}

{#- Post-hook of the cuts model: remember the inputs it compared against. -#}
{% macro mart_snapshot_inputs() -%}
{{ return(adapter.dispatch('mart_snapshot_inputs', 'usd1_inventory')()) }}
{%- endmacro %}

{% macro spark__mart_snapshot_inputs() -%}
{%- do spark_replace_table(
    mart_snapshot_relation('mart_offchain_days'), mart_offchain_days_sql()
) -%}
{%- do spark_replace_table(mart_snapshot_relation('mart_price_days'), mart_price_days_sql()) -%}
{%- do spark_replace_table(
    mart_snapshot_relation('mart_exchange_refs'), mart_exchange_refs_sql()
) -%}
{%- endmacro %}

{% macro duckdb__mart_snapshot_inputs() -%}
create or replace table {{ mart_snapshot_relation('mart_offchain_days') }} as
{{ mart_offchain_days_sql() }};
create or replace table {{ mart_snapshot_relation('mart_price_days') }} as
{{ mart_price_days_sql() }};
create or replace table {{ mart_snapshot_relation('mart_exchange_refs') }} as
{{ mart_exchange_refs_sql() }}
{%- endmacro %}
