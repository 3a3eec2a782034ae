-- One row per buyer, period grain (week from Monday, month, quarter, year) and period with at
-- least one counted order, with the start of the next period and of the buyer's first period
-- at that grain: what retention_rates counts.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

order_periods as (
    {%- for grain in kanta_period_grains() %}
    select
        customer_id,
        '{{ grain }}' as period_grain,
        {{ kanta_period_start(grain, 'order_date') }} as period_start,
        revenue
    from orders
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

customer_periods as (
    select
        customer_id,
        period_grain,
        period_start,
        count(*) as order_count,
        sum(revenue) as revenue
    from order_periods
    group by
        customer_id,
        period_grain,
        period_start
),

final as (
    select
        customer_id,
        period_grain,
        period_start,
        {{ kanta_add_periods('period_grain', 'period_start', 1) }} as next_period_start,
        min(period_start) over (partition by customer_id, period_grain) as first_period_start,
        order_count,
        revenue
    from customer_periods
)

select * from final
