-- One row per buyer: what BG/NBD and Gamma-Gamma expect them to do next (SPEC section 3,
-- customer_predictions). Expected orders count order days; predicted_clv_365d is expected
-- orders in 365 days x expected average order value, undiscounted. Null predictions (and
-- churn_risk 'unknown') when the shop is too small to fit the models: see prediction_parameters.

{#- On DuckDB the models are fitted in the build (Python models); on Spark by `python -m kanta
    predict`, whose output the _loaded model reads (var clv_fit_in_dbt, README "Predictions"). -#}
{%- set fit_in_dbt = (var('clv_fit_in_dbt', target.type == 'duckdb') | string | lower) == 'true' -%}
{%- set scored_model = 'int_customer_predictions_scored' if fit_in_dbt else 'int_customer_predictions_loaded' %}

with

scored as (
    select * from {{ ref(scored_model) }}
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(p_alive as double) as p_alive,
        cast(expected_orders_90d as double) as expected_orders_90d,
        cast(expected_orders_365d as double) as expected_orders_365d,
        cast(expected_avg_order_value as decimal(18, 2)) as expected_avg_order_value,
        cast(predicted_clv_365d as decimal(18, 2)) as predicted_clv_365d,
        -- Cut-offs on P(alive): high below churn_risk_high_below, medium below
        -- churn_risk_medium_below, else low (defaults 0.3 and 0.7, thirds-like bands).
        cast(
            case
                when p_alive is null then 'unknown'
                when p_alive < {{ var('churn_risk_high_below', 0.3) }} then 'high'
                when p_alive < {{ var('churn_risk_medium_below', 0.7) }} then 'medium'
                else 'low'
            end as string
        ) as churn_risk
    from scored
)

select * from final
