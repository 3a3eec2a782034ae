-- One row per buyer and calendar month with at least one counted order, with the buyer's
-- cohort (the month of their first counted order): the activity a cohort grid counts.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

order_months as (
    select
        customer_id,
        {{ kanta_period_start('month', 'order_date') }} as activity_month,
        revenue
    from orders
),

customer_months as (
    select
        customer_id,
        activity_month,
        count(*) as order_count,
        sum(revenue) as revenue
    from order_months
    group by
        customer_id,
        activity_month
),

cohorts_assigned as (
    select
        customer_id,
        min(activity_month) over (partition by customer_id) as cohort_month,
        activity_month,
        order_count,
        revenue
    from customer_months
),

final as (
    select
        customer_id,
        cohort_month,
        activity_month,
        {{ kanta_calendar_months_between('cohort_month', 'activity_month') }} as months_since_first,
        order_count,
        revenue
    from cohorts_assigned
)

select * from final
