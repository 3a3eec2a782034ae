{#-
  Calendar periods for the retention marts (SPEC section 3): the start of the period a day falls
  in, stepping by whole periods, and a date spine. Grains are week (starting on Monday, ISO),
  month, quarter and year; "months" are calendar months.
-#}

{#- The period grains of retention_rates, in order. -#}
{% macro kanta_period_grains() %}
  {%- do return(['week', 'month', 'quarter', 'year']) -%}
{% endmacro %}


{% macro kanta_check_grain(grain) %}
  {%- if grain not in kanta_period_grains() -%}
    {%- do exceptions.raise_compiler_error(
        "kanta: unknown period grain '" ~ grain ~ "' (use one of " ~ kanta_period_grains() | join(', ') ~ ")") -%}
  {%- endif -%}
{% endmacro %}


{#- First day of the `grain` (a literal: week, month, quarter, year) the date falls in; weeks
    start on Monday. -#}
{% macro kanta_period_start(grain, date_expression) -%}
  {%- do kanta_check_grain(grain) -%}
  {{ return(adapter.dispatch('kanta_period_start', 'kanta')(grain, date_expression)) }}
{%- endmacro %}

{#- DuckDB's date_trunc('week') is the ISO week (Monday). Spark's date_trunc('week', ...) is too. -#}
{% macro default__kanta_period_start(grain, date_expression) -%}
  cast(date_trunc('{{ grain }}', cast({{ date_expression }} as date)) as date)
{%- endmacro %}


{#- The date `periods` periods after a period start. `grain_expression` is SQL: a column holding
    the grain or a quoted literal ('month'); `periods` an integer or an integer expression.
    Months are added with kanta_add_months, so it is meant for period starts (first of a month).
    Stepping by 2 gives the exclusive end of the next period. -#}
{% macro kanta_add_periods(grain_expression, date_expression, periods) -%}
  case {{ grain_expression }}
        when 'week' then {{ kanta_add_days(date_expression, '7 * (' ~ periods ~ ')') }}
        when 'month' then {{ kanta_add_months(date_expression, periods) }}
        when 'quarter' then {{ kanta_add_months(date_expression, '3 * (' ~ periods ~ ')') }}
        when 'year' then {{ kanta_add_months(date_expression, '12 * (' ~ periods ~ ')') }}
    end
{%- endmacro %}


{#- Whole calendar months from the month of start_date to the month of end_date (Jan 31 to
    Feb 1 is 1). year() and month() read the same on DuckDB and Spark. -#}
{% macro kanta_calendar_months_between(start_date, end_date) -%}
  ((year({{ end_date }}) - year({{ start_date }})) * 12 + month({{ end_date }}) - month({{ start_date }}))
{%- endmacro %}


{#-
  Date spine: a set-returning select-list expression giving one row (a date) per `grain` from
  start_date to end_date, both included, for each row of the relation it is selected from. Both
  bounds must be starts of a `grain` period; no rows when start_date > end_date or either is
  null. Use it alone in its select, with plain columns beside it:

      select
          cohort_month,
          {{ kanta_date_spine('month', 'cohort_month', 'last_month') }} as activity_month
      from cohorts

  DuckDB: unnest(generate_series(...)). A Spark version is the same shape:
  explode(sequence(cast(start as date), cast(end as date), interval 1 month)).
-#}
{% macro kanta_date_spine(grain, start_date, end_date) -%}
  {%- do kanta_check_grain(grain) -%}
  {{ return(adapter.dispatch('kanta_date_spine', 'kanta')(grain, start_date, end_date)) }}
{%- endmacro %}

{% macro default__kanta_date_spine(grain, start_date, end_date) -%}
  {%- set steps = {
      'week': "interval '7 days'",
      'month': "interval '1 month'",
      'quarter': "interval '3 months'",
      'year': "interval '1 year'"} -%}
  unnest(
        cast(
            generate_series(
                cast({{ start_date }} as date),
                cast({{ end_date }} as date),
                {{ steps[grain] }}
            ) as date[]
        )
    )
{%- endmacro %}
