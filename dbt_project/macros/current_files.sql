{#-
    The "current file versions" rule of the file-based staging models, in one place. A row
    counts only when its file is current (stg_file_loads__current_files: status 'loaded' in
    audit.files, duplicates, superseded and quarantined files left out; an inner join on
    `sha256`). When the same row key is in several current files, the version that wins is
    the one of the file dropped last, then the greater file sha256, then the later row of the
    file: the rank this macro returns is 1 for it (`where recency = 1`).
-#}

{#-
    row_number() of a source row among the versions of its key (`partition_columns`, columns
    of `source_alias`) in the current files (`files_alias`, joined on the row's file_sha256).
-#}
{% macro current_file_version_rank(
    partition_columns, source_alias='source', files_alias='current_files'
) -%}
{%- set partition_by = [] -%}
{%- for column_name in partition_columns -%}
{%- do partition_by.append(source_alias ~ '.' ~ column_name) -%}
{%- endfor -%}
row_number() over (
    partition by {{ partition_by | join(', ') }}
    order by
        {{ files_alias }}.dropped_at desc,
        {{ source_alias }}.file_sha256 desc,
        {{ source_alias }}.row_number desc
)
{%- endmacro %}
