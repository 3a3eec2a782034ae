{#- Date arithmetic that reads the same on every engine. -#}

{% macro kanta_add_days(date_expression, days) -%}
  {{ return(adapter.dispatch('kanta_add_days', 'kanta')(date_expression, days)) }}
{%- endmacro %}

{% macro default__kanta_add_days(date_expression, days) -%}
  (cast({{ date_expression }} as date) + cast({{ days }} as integer))
{%- endmacro %}


{#- Whole days from start to end (end - start). -#}
{% macro kanta_days_between(start_date, end_date) -%}
  {{ return(adapter.dispatch('kanta_days_between', 'kanta')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__kanta_days_between(start_date, end_date) -%}
  (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}


{#- Add k calendar months, clamping to the month's last day (Aug 31 + 6 months = Feb 28/29). -#}
{% macro kanta_add_months(date_expression, months) -%}
  {{ return(adapter.dispatch('kanta_add_months', 'kanta')(date_expression, months)) }}
{%- endmacro %}

{% macro default__kanta_add_months(date_expression, months) -%}
  cast(cast({{ date_expression }} as date) + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}
