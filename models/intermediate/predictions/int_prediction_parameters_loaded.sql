{#-
  The fitted parameters where the build cannot fit them itself (Spark: dbt-spark runs Python
  models only on Databricks): read from the table kanta_clv_parameters that
  `python -m kanta predict` writes beside int_customer_clv_inputs, with the columns of
  int_prediction_parameters. Until it exists, every parameter is null with fit_status 'not_run'
  and a warning. On DuckDB (var clv_fit_in_dbt, default target.type == 'duckdb') the Python
  model int_prediction_parameters fits in the build instead and this model is disabled.
-#}
{{ config(
    enabled=(var('clv_fit_in_dbt', target.type == 'duckdb') | string | lower) != 'true',
    materialized='table',
) }}

{%- set inputs = ref('int_customer_clv_inputs') -%}
{%- set table_name = 'kanta_clv_parameters' -%}
{%- set fitted = none -%}
{%- if execute -%}
{%- set fitted = adapter.get_relation(database=inputs.database, schema=inputs.schema, identifier=table_name) -%}
{%- endif -%}
{%- if execute and fitted is none -%}
{%- do exceptions.warn(
    "kanta: customer_predictions: no fitted parameters (" ~ inputs.schema ~ "." ~ table_name
    ~ "); run `python -m kanta predict` and build again. Predictions are null."
) -%}
{%- endif %}

with

{% if fitted is not none -%}
fitted as (
    select * from {{ fitted }}
),

final as (
    select
        model,
        parameter,
        value,
        log_likelihood,
        buyers_fitted,
        fit_status,
        fit_message
    from fitted
)
{%- else -%}
parameter_names as (
    {%- for model, parameter in [
        ('bg_nbd', 'r'), ('bg_nbd', 'alpha'), ('bg_nbd', 'a'), ('bg_nbd', 'b'),
        ('gamma_gamma', 'p'), ('gamma_gamma', 'q'), ('gamma_gamma', 'gamma'),
    ] %}
    select
        '{{ model }}' as model,  -- noqa: RF04
        '{{ parameter }}' as parameter
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        model,
        parameter,
        cast(null as double) as value,  -- noqa: RF04
        cast(null as double) as log_likelihood,
        cast(0 as bigint) as buyers_fitted,
        'not_run' as fit_status,
        'run python -m kanta predict, then build again' as fit_message
    from parameter_names
)
{%- endif %}

select * from final
