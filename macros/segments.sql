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
