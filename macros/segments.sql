{#-
  Segment rules shared by the customer marts and the point-in-time history (SPEC section 3).
  Every threshold is a var in dbt_project.yml.
-#}

{#- VIP: at least vip_min_orders orders or vip_min_revenue revenue. -#}
{% macro kanta_is_vip(order_count, total_revenue) -%}
  ({{ order_count }} >= {{ var('vip_min_orders') }} or {{ total_revenue }} >= {{ var('vip_min_revenue') }})
{%- endmacro %}


{#- Lifecycle stage of a buyer, first rule that matches. -#}
{% macro kanta_lifecycle_stage(order_count, total_revenue, recency_days, tenure_days) -%}
  case
    when {{ kanta_is_vip(order_count, total_revenue) }}
      and {{ recency_days }} >= {{ var('vip_lapsing_min_recency_days') }} then 'vip_lapsing'
    when {{ kanta_is_vip(order_count, total_revenue) }} then 'vip'
    when {{ tenure_days }} < {{ var('new_max_tenure_days') }} then 'new'
    when {{ order_count }} between 1 and {{ var('new_at_risk_max_orders') }}
      and {{ tenure_days }} >= {{ var('new_max_tenure_days') }}
      and {{ tenure_days }} < {{ var('new_at_risk_max_tenure_days') }}
      and {{ recency_days }} >= {{ var('new_at_risk_min_recency_days') }} then 'new_at_risk'
    when {{ recency_days }} < {{ var('active_max_recency_days') }} then 'active'
    else 'passive'
  end
{%- endmacro %}


{#- Age band from the year of as_of_date and the birth year. -#}
{% macro kanta_age_band(birth_year, as_of_date) -%}
  case
    when {{ birth_year }} is null then 'unknown'
    when year({{ as_of_date }}) - {{ birth_year }} < 25 then 'under_25'
    when year({{ as_of_date }}) - {{ birth_year }} < 35 then '25_34'
    when year({{ as_of_date }}) - {{ birth_year }} < 45 then '35_44'
    when year({{ as_of_date }}) - {{ birth_year }} < 55 then '45_54'
    when year({{ as_of_date }}) - {{ birth_year }} < 65 then '55_64'
    else '65_plus'
  end
{%- endmacro %}


{#-
  RFM scoring as one select over `input` (a CTE or relation with customer_id, recency_days,
  order_count, total_revenue): the input's columns plus r_score, f_score, m_score,
  map_axis_score and rfm_segment. Scores are tie-consistent quintiles among the rows of the
  same `partition_by` (all rows when none), or for the metrics in the var
  rfm_threshold_metrics, the fixed cut-offs of the seed rfm_score_thresholds. The segment comes
  from the seed rfm_segment_map. customer_rfm and segment_history both score with it, so a
  snapshot is scored exactly as a build on that day would be.
-#}
{% macro kanta_rfm_scores(input, partition_by=none) -%}
  {%- set threshold_metrics = var('rfm_threshold_metrics') -%}
  {%- set thresholds_relation = ref('rfm_score_thresholds') -%}  {#- referenced always: stable lineage -#}
  {%- set metrics = [
      ('recency', 'r_score', 'recency_days', 'desc'),
      ('frequency', 'f_score', 'order_count', 'asc'),
      ('monetary', 'm_score', 'total_revenue', 'asc')] -%}
  select
      scored.*,
      coalesce(segment_map.segment, 'unknown') as rfm_segment
  from (
      select
          scores.*,
          {% if var('rfm_map_axis') == 'fm' -%}
          -- rfm_map_axis fm: round-half-up((f + m) / 2), in integers
          cast(floor((scores.f_score + scores.m_score + 1) / 2) as integer)
          {%- else -%}
          scores.f_score
          {%- endif %} as map_axis_score
      from (
          select
              rfm_input.*,
              {%- for metric, score, column, worst_first in metrics %}
              {%- if metric in threshold_metrics %}
              (
                  select max(thresholds.score)
                  from {{ thresholds_relation }} as thresholds
                  where
                      thresholds.metric = '{{ metric }}'
                      and rfm_input.{{ column }} >= thresholds.min_value
                      and (thresholds.max_value is null or rfm_input.{{ column }} < thresholds.max_value)
              ) as {{ score }}{{ ',' if not loop.last }}
              {%- else %}
              {{ score }}s.score as {{ score }}{{ ',' if not loop.last }}
              {%- endif %}
              {%- endfor %}
          from {{ input }} as rfm_input
          {%- for metric, score, column, worst_first in metrics if metric not in threshold_metrics %}
          left join (
              {{ kanta_quintile_scores(input, column, worst_first, partition_by) }}
          ) as {{ score }}s
              on
                  rfm_input.{{ column }} = {{ score }}s.metric_value
                  {%- if partition_by %}
                  and rfm_input.{{ partition_by }} = {{ score }}s.{{ partition_by }}
                  {%- endif %}
          {%- endfor %}
      ) as scores
  ) as scored
  left join {{ ref('rfm_segment_map') }} as segment_map
      on
          scored.r_score = segment_map.r_score
          and scored.map_axis_score = segment_map.f_score
{%- endmacro %}
