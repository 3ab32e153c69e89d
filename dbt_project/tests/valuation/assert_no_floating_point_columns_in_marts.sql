{#-
    Money is exact (DESIGN.md "Money and time"): no mart column may be DOUBLE, FLOAT or REAL.
    DuckDB turns DECIMAL division and avg() into DOUBLE (NOTES.md); this catches one that
    slipped through a contract. Attached to fair_value so `--select fair_value+` runs it too.
    The columns come from marts_column_types() (macros/engine.sql): information_schema on
    DuckDB, the catalog through the adapter on Spark (which has no information_schema).
-#}
-- depends_on: {{ ref('fair_value') }}

select
    table_name,
    column_name,
    data_type

from ({{ marts_column_types() }}) as mart_columns

where
    lower(data_type) like '%double%'
    or lower(data_type) like '%float%'
    or lower(data_type) = 'real'
