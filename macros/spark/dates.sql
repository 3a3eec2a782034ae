{#-
  Spark versions of the date macros (macros/dates.sql, macros/date_spine.sql). DuckDB's
  semantics are the contract: whole days, calendar months clamped to the month's last day,
  ISO weeks starting on Monday.
-#}

{% macro spark__kanta_add_days(date_expression, days) -%}
  date_add(cast({{ date_expression }} as date), cast({{ days }} as int))
{%- endmacro %}


{% macro spark__kanta_days_between(start_date, end_date) -%}
  datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}


{#- Spark 3+ add_months keeps the day of month and clamps it to the target month's last day
    (Jan 31 + 1 = Feb 29, Feb 29 + 1 = Mar 29): DuckDB's date + interval, unlike Spark 2, which
    moved a month's last day to the target month's last day. -#}
{% macro spark__kanta_add_months(date_expression, months) -%}
  add_months(cast({{ date_expression }} as date), cast({{ months }} as int))
{%- endmacro %}


{#- trunc() gives a date; for weeks date_trunc('week') starts on Monday, as ISO weeks do. -#}
{% macro spark__kanta_period_start(grain, date_expression) -%}
  {%- if grain == 'week' -%}
  cast(date_trunc('week', cast({{ date_expression }} as date)) as date)
  {%- else -%}
  trunc(cast({{ date_expression }} as date), '{{ grain }}')
  {%- endif -%}
{%- endmacro %}


{#- explode(sequence(...)) in the select list, like DuckDB's unnest(generate_series(...)).
    sequence() fails when start > end, so that case (and a null bound) gives no rows. -#}
{% macro spark__kanta_date_spine(grain, start_date, end_date) -%}
  {%- set steps = {
      'week': 'interval 7 days',
      'month': 'interval 1 month',
      'quarter': 'interval 3 months',
      'year': 'interval 1 year'} -%}
  explode(
        case
            when cast({{ start_date }} as date) <= cast({{ end_date }} as date)
                then sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), {{ steps[grain] }})
            else cast(array() as array<date>)
        end
    )
{%- endmacro %}
