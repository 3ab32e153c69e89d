{#-
The `view` materialization on DuckDB, which leaves a view alone when its SQL is unchanged.

dbt's own view materialization re-creates every view on every build (create an
intermediate view, rename the old one away, rename, drop: ~6 statements and ~60-80 ms of
dbt's work per view), although a view holds no data: the same SQL is the same view. This
one stores the md5 of the compiled SQL as the view's comment and, when the view exists
with that comment, records the node as done without touching it (one metadata query).
Anything else (a new or changed view, --full-refresh, a view with hooks, grants or an
enforced contract, or a relation that is not a view) goes through dbt's materialization,
unchanged, and then stamps the comment. It only saves work on incremental builds, where
the staging views are most of the nodes.
-#}
{%- materialization view, adapter='duckdb' -%}
{%- set existing_relation = load_cached_relation(this) -%}
{%- set target_relation = this.incorporate(type='view') -%}
{%- set fingerprint = 'dbt-view-sql-md5:' ~ local_md5(sql) -%}
{%- set contract = config.get('contract') -%}
{%- set can_skip = (
existing_relation is not none
and existing_relation.is_view
and not should_full_refresh()
and not pre_hooks
and not post_hooks
and not config.get('grants')
and not (contract and contract.enforced)
) -%}
{%- if can_skip -%}
{%- set stored = run_query(
"select comment from duckdb_views() where database_name = '" ~ this.database
~ "' and schema_name = '" ~ this.schema ~ "' and view_name = '" ~ this.identifier ~ "'"
) -%}
{%- if stored.rows | length == 1 and stored.rows[0][0] == fingerprint -%}
{%- call noop_statement('main', 'OK (view unchanged)', 'OK', -1) -%}
-- the view already has this SQL
{%- endcall -%}
{{ return({'relations': [target_relation]}) }}
{%- endif -%}
{%- endif -%}

{%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
{%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
{%- set backup_relation_type = 'view' if existing_relation is none else existing_relation.type -%}
{%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
{%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
{% set grant_config = config.get('grants') %}

{{ run_hooks(pre_hooks, inside_transaction=False) }}

{{ drop_relation_if_exists(preexisting_intermediate_relation) }}
{{ drop_relation_if_exists(preexisting_backup_relation) }}

{{ run_hooks(pre_hooks, inside_transaction=True) }}

{% call statement('main') -%}
{{ get_create_view_as_sql(intermediate_relation, sql) }}
{%- endcall %}

{% if existing_relation is not none %}
{% set existing_relation = load_cached_relation(existing_relation) %}
{% if existing_relation is not none %}
{{ adapter.rename_relation(existing_relation, backup_relation) }}
{% endif %}
{% endif %}
{{ adapter.rename_relation(intermediate_relation, target_relation) }}

{% call statement('view_fingerprint') -%}
comment on view {{ target_relation }} is '{{ fingerprint }}'
{%- endcall %}

{% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
{% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

{% do persist_docs(target_relation, model) %}

{{ run_hooks(post_hooks, inside_transaction=True) }}

{{ adapter.commit() }}

{{ drop_relation_if_exists(backup_relation) }}

{{ run_hooks(post_hooks, inside_transaction=False) }}

{{ return({'relations': [target_relation]}) }}

{%- endmaterialization %}
