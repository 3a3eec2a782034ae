-- One row per buyer, period grain (week from Monday, month, quarter, year) and period with at
-- least one counted order, with the start of the next period and of the buyer's first period
-- at that grain: what retention_rates counts.
--
-- Orders are grouped by week here; the month rows are int_customer_months_active's (the orders
-- are grouped by buyer and month once, for the cohort grid too), and quarters and years add up
-- the month rows, which are far fewer. The first period of a buyer is the period of their
-- first order day, joined in rather than found by a window over every period row.
-- Incremental by buyer on DuckDB (macros/incremental.sql).
{{ config(
    materialized=kanta_by_customer_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    pre_hook="{{ kanta_delete_departed_customers() }}",
) }}


with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

months_active as (
    select * from {{ ref('int_customer_months_active') }}
),

customers_to_build as {{ kanta_materialized_cte() }} (
    -- Every buyer on a full build; on an incremental one, the buyers whose orders changed.
    {{ kanta_customers_to_build(ref('int_customer_order_hashes')) }}
),

orders_to_build as (
    {{ kanta_rows_to_build('orders', 'customers_to_build') }}
),

months_to_build as (
    -- The same buyers' months.
    {{ kanta_rows_to_build('months_active', 'customers_to_build') }}
),

week_periods as (
    select
        customer_id,
        {{ kanta_period_start('week', 'order_date') }} as period_start,
        count(*) as order_count,
        sum(revenue) as revenue
    from orders_to_build
    group by
        customer_id,
        {{ kanta_period_start('week', 'order_date') }}
),

month_periods as (
    select
        customer_id,
        activity_month as period_start,
        order_count,
        revenue
    from months_to_build
),


{% for grain in ['quarter', 'year'] %}
{{ grain }}_periods as (
    select
        customer_id,
        {{ kanta_period_start(grain, 'period_start') }} as period_start,
        sum(order_count) as order_count,
        sum(revenue) as revenue
    from month_periods
    group by
        customer_id,
        {{ kanta_period_start(grain, 'period_start') }}
),

{% endfor %}
customer_periods as (
    {%- for grain in kanta_period_grains() %}
    select
        customer_id,
        '{{ grain }}' as period_grain,
        period_start,
        order_count,
        revenue
    from {{ grain }}_periods
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

first_orders as (
    select
        customer_id,
        min(order_date) as first_order_date,
        min(orders_hash) as orders_hash
    from orders_to_build
    group by customer_id
),

final as (
    select
        customer_periods.customer_id,
        customer_periods.period_grain,
        customer_periods.period_start,
        {{ kanta_add_periods(
            'customer_periods.period_grain', 'customer_periods.period_start', 1
        ) }} as next_period_start,
        case customer_periods.period_grain
            {%- for grain in kanta_period_grains() %}
            when '{{ grain }}' then {{ kanta_period_start(grain, 'first_orders.first_order_date') }}
            {%- endfor %}
        end as first_period_start,
        customer_periods.order_count,
        customer_periods.revenue,
        first_orders.orders_hash
    from customer_periods
    inner join first_orders
        on customer_periods.customer_id = first_orders.customer_id
)

select * from final
