{#-
  Every buyer's predictions where the build cannot compute them itself (Spark): read from the
  table kanta_clv_scores that `python -m kanta predict` writes beside int_customer_clv_inputs,
  with the columns of int_customer_predictions_scored. Buyers it does not hold (it is missing,
  or older than the inputs) get null predictions. On DuckDB (var clv_fit_in_dbt, default
  target.type == 'duckdb') the Python model int_customer_predictions_scored is used instead and
  this model is disabled.
-#}
{{ config(
    enabled=(var('clv_fit_in_dbt', target.type == 'duckdb') | string | lower) != 'true',
    materialized='table',
) }}

{%- set inputs_relation = ref('int_customer_clv_inputs') -%}
{%- set scored_relation = none -%}
{%- if execute -%}
{%- set scored_relation = adapter.get_relation(
    database=inputs_relation.database, schema=inputs_relation.schema, identifier='kanta_clv_scores'
) -%}
{%- endif %}

with

inputs as (
    select * from {{ inputs_relation }}
),

{% if scored_relation is not none -%}
scored as (
    select * from {{ scored_relation }}
),

final as (
    select
        inputs.customer_id,
        scored.p_alive,
        scored.expected_orders_90d,
        scored.expected_orders_365d,
        scored.expected_avg_order_value,
        scored.predicted_clv_365d
    from inputs
    left join scored
        on inputs.customer_id = scored.customer_id
)
{%- else -%}
final as (
    select
        customer_id,
        cast(null as double) as p_alive,
        cast(null as double) as expected_orders_90d,
        cast(null as double) as expected_orders_365d,
        cast(null as double) as expected_avg_order_value,
        cast(null as double) as predicted_clv_365d
    from inputs
)
{%- endif %}

select * from final
