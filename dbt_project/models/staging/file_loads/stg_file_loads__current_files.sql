{#-
    The current version of every landed file: status 'loaded' in audit.files (duplicates,
    superseded and quarantined files are left out), with when it was dropped. One row per
    sha256. The file-based staging models keep only rows of these files.
-#}

with

source as (

    select * from {{ source('file_loads', 'files') }}

),

current_files as (

    select
        sha256,
        max(dropped_at) as dropped_at,
        min(file_name) as file_name

    from source
    where status = 'loaded'
    group by sha256

)

select * from current_files
