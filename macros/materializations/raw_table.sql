{#-
  kanta_raw: the materialization of the base models (models/staging/shop/base). A CSV file is
  read into a table once, because DuckDB's reader hands over the lines it cannot split only
  after the read (the post-hook adds them to the table). A Parquet file has no such lines and
  is typed and fast to scan, so on DuckDB its base model is a view over the file: the checked
  model reads the file directly instead of a copy of it written as text.
-#}
{% materialization kanta_raw, adapter='duckdb' %}
  {%- set raw_file = kanta_locate_raw_file(this.identifier | replace('base_shop__', '')) -%}
  {%- if raw_file is not none and raw_file.format == 'parquet' -%}
    {{ return(materialization_view_default()) }}
  {%- endif -%}
  {{ return(materialization_table_duckdb()) }}
{% endmaterialization %}

{#- Spark reads every raw file into a table (macros/spark/read_raw.sql). -#}
{% materialization kanta_raw, adapter='spark' %}
  {{ return(materialization_table_spark()) }}
{% endmaterialization %}

{% materialization kanta_raw, default %}
  {{ return(materialization_table_default()) }}
{% endmaterialization %}
