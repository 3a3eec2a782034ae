{#-
  The day the analysis stands on (SPEC section 2), as a SQL date expression. With the var
  `as_of_date` set it is that literal date; otherwise a scalar subquery on int_as_of_date (the
  day after the latest counted order), evaluated once per query. Orders on or after it are
  ignored everywhere.
-#}
{% macro kanta_as_of_date() -%}
  {%- set as_of_model = ref('int_as_of_date') -%}
  {%- if var('as_of_date') -%}
    cast('{{ var("as_of_date") }}' as date)
  {%- else -%}
    (select as_of_date from {{ as_of_model }})
  {%- endif -%}
{%- endmacro %}
