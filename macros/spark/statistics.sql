{#- Exact median on Spark: percentile(x, 0.5) interpolates between the two middle values, the
    mean of the two for an even count, as DuckDB's median does (never percentile_approx). -#}
{% macro spark__kanta_median(expression) -%}
  percentile({{ expression }}, 0.5)
{%- endmacro %}
