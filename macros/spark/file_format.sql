{#-
  Spark tables are Parquet (SPEC section 6). dbt-spark writes `using <file_format>` only when the
  model configures one, and without it a session with Hive support creates Hive text tables; so
  Parquet is the default here. A `+file_format` configured in dbt_project.yml (delta on
  Databricks, iceberg, ...) still wins.
-#}
{% macro spark__file_format_clause() %}
  {%- set file_format = config.get('file_format', validator=validation.any[basestring]) or 'parquet' %}
    using {{ file_format }}
{%- endmacro %}
