{#-
  Rules of the activation marts (SPEC section 3, "Activation marts"): the hold-out hash, the
  ISO weekday, and the reactivation automations and waves. The reactivation rules are one macro
  so that reactivation_audience (as of as_of_date) and campaign_results (as of each past
  due_date) evaluate exactly the same rules.
-#}

{#- The hold-out fraction of a text: the first 8 hex digits of its md5, read as an unsigned
    32-bit integer and divided by 2^32, so a double in [0, 1). The same number on every
    engine and in any tool: Python int(hashlib.md5(text.encode()).hexdigest()[:8], 16) / 2**32. -#}
{% macro kanta_holdout_fraction(expression) -%}
  {{ return(adapter.dispatch('kanta_holdout_fraction', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_holdout_fraction(expression) -%}
  (cast(cast(('0x' || left(md5(cast({{ expression }} as varchar)), 8)) as ubigint) as double) / 4294967296.0)
{%- endmacro %}

{% macro spark__kanta_holdout_fraction(expression) -%}
  (cast(conv(substr(md5(cast({{ expression }} as string)), 1, 8), 16, 10) as double) / 4294967296.0)
{%- endmacro %}


{#- True when a customer is in the hold-out (control group) of an automation:
    holdout fraction of customer_id || ':' || automation below the var holdout_share. -#}
{% macro kanta_is_control(customer_id, automation) -%}
  ({{ kanta_holdout_fraction("concat(" ~ customer_id ~ ", ':', " ~ automation ~ ")") }} < {{ var('holdout_share') }})
{%- endmacro %}


{#- ISO weekday of a date or timestamp: 1 = Monday ... 7 = Sunday. -#}
{% macro kanta_iso_weekday(expression) -%}
  {{ return(adapter.dispatch('kanta_iso_weekday', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_iso_weekday(expression) -%}
  cast(isodow({{ expression }}) as integer)
{%- endmacro %}

{#- Spark's weekday() is 0 = Monday ... 6 = Sunday. -#}
{% macro spark__kanta_iso_weekday(expression) -%}
  cast(weekday({{ expression }}) + 1 as integer)
{%- endmacro %}


{#- Rows first..last (integers, both included) of one column, as plain selects joined by
    union all: the same SQL on every engine. For small fixed grids (7 weekdays, 24 hours). -#}
{% macro kanta_integer_rows(column_name, first, last) -%}
  {%- for value in range(first, last + 1) %}
    select {{ value }} as {{ column_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
  {%- endfor %}
{%- endmacro %}


{#-
  Reactivation automations and waves (SPEC section 3, reactivation_audience) as one select
  over `input`: a relation or CTE with one row per buyer (per evaluation, see partition_by)
  and at least the columns customer_id, first_order_date, last_order_date, order_count, is_vip
  and lifecycle_stage. It gives the input's columns plus automation, wave, priority and
  due_date, for the rows that are in an automation; rows in none are left out.

  as_of_date is a SQL date expression; it may use the input's columns, qualified as
  `buyers.` (for example 'buyers.evaluation_date' to evaluate each row as of its own day).
  partition_by names the input column(s) that, with customer_id, identify one evaluation
  (none: one row per customer_id).

  Waves come from the seed reactivation_waves (automation, wave in months, priority):
    - wave k of vip_lapsing and passive is reached when last_order_date + k months <= as_of_date
      (calendar months, clamped: kanta_add_months); the customer is in the latest wave reached,
      due_date = last_order_date + wave months;
    - vip_lapsing: is_vip and a wave reached;
    - passive: not is_vip, order_count >= var reactivation_passive_min_orders (3), a wave reached;
    - new_at_risk: lifecycle_stage = 'new_at_risk' (evaluated by the caller as of as_of_date);
      its wave is the seed's (3) and due_date = first_order_date + var new_max_tenure_days (90
      days: the day tenure reaches the new_at_risk lower bound);
    - one automation per customer: the lowest priority number wins (vip_lapsing 1, passive 2,
      new_at_risk 3), then the latest wave.
  vip_lapsing and passive are decided by is_vip, order_count and the wave, not by
  lifecycle_stage: SPEC defines the automations by these, and the stages follow from them in all
  but edge cases (a VIP whose 3 months since the last order are 89 days, Feb 1 to May 1, is in
  vip_lapsing wave 3 a day before the lifecycle stage turns vip_lapsing).
-#}
{% macro kanta_reactivation_assignments(input, as_of_date='buyers.as_of_date', partition_by=none) -%}
  {%- set wave_date = kanta_add_months('buyers.last_order_date', 'waves.wave') -%}
  {%- set partition = 'customer_id' ~ (', ' ~ partition_by if partition_by else '') -%}
  select ranked.*
  from (
      select
          candidates.*,
          row_number() over (
              partition by {{ partition }}
              order by candidates.priority asc, candidates.wave desc, candidates.automation asc
          ) as assignment_rank
      from (
          select
              buyers.*,
              waves.automation,
              waves.wave,
              waves.priority,
              case
                  when waves.automation = 'new_at_risk'
                      then {{ kanta_add_days('buyers.first_order_date', var('new_max_tenure_days')) }}
                  else {{ wave_date }}
              end as due_date
          from {{ input }} as buyers
          inner join {{ ref('reactivation_waves') }} as waves
              on
                  (
                      waves.automation = 'vip_lapsing'
                      and buyers.is_vip
                      and {{ wave_date }} <= {{ as_of_date }}
                  )
                  or (
                      waves.automation = 'passive'
                      and not buyers.is_vip
                      -- SPEC: passive needs 3+ orders.
                      and buyers.order_count >= {{ var('reactivation_passive_min_orders', 3) }}
                      and {{ wave_date }} <= {{ as_of_date }}
                  )
                  or (
                      waves.automation = 'new_at_risk'
                      and buyers.lifecycle_stage = 'new_at_risk'
                  )
      ) as candidates
  ) as ranked
  where ranked.assignment_rank = 1
{%- endmacro %}
