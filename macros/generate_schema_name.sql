{#- Schemas are named exactly as configured (staging, intermediate, marts, audit, seeds), not
    prefixed with the target schema, so BI tools find `marts.customer_facts` on every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
