-- One row per fitted parameter of the customer_predictions models (SPEC section 3): BG/NBD
-- (r, alpha, a, b; time unit: day) and Gamma-Gamma (p, q, gamma), with each model's
-- log-likelihood, the buyers it was fitted on and whether the fit is usable.

{#- On DuckDB the models are fitted in the build (Python models); on Spark by `python -m kanta
    predict`, whose output the _loaded model reads (var clv_fit_in_dbt, README "Predictions"). -#}
{%- set fit_in_dbt = (var('clv_fit_in_dbt', target.type == 'duckdb') | string | lower) == 'true' -%}
{%- set parameters_model = 'int_prediction_parameters' if fit_in_dbt else 'int_prediction_parameters_loaded' %}

with

parameters as (
    select * from {{ ref(parameters_model) }}
),

final as (
    select
        cast(model as string) as model,  -- noqa: RF04
        cast(parameter as string) as parameter,
        cast(value as double) as value,  -- noqa: RF04
        cast(log_likelihood as double) as log_likelihood,
        cast(buyers_fitted as bigint) as buyers_fitted,
        cast(fit_status as string) as fit_status,
        cast(fit_message as string) as fit_message
    from parameters
)

select * from final
