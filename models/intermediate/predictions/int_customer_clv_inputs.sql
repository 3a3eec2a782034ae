-- One row per buyer: the purchase history the BG/NBD and Gamma-Gamma models are fitted on
-- (SPEC section 3, customer_predictions), in days. A purchase is an order day: x = order days
-- - 1 (repeat purchases), t_x = last - first order date, t (T in the papers) = (as_of_date -
-- 1 day) - first order date, the last day counted. repeat_mean_revenue is the mean revenue of
-- the repeat order days (the first day excluded; a day's revenue is the sum of its counted
-- orders), null without repeat purchases.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

order_days as (
    select
        customer_id,
        order_date,
        sum(revenue) as day_revenue
    from orders
    group by
        customer_id,
        order_date
),

customer_days as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_days,
        -- All days' revenue less the first day's (the revenue of the earliest of the distinct
        -- order days): an exact decimal difference, divided in double below, so the same value
        -- on every engine and in every run (a double avg depends on the order rows are added
        -- in; Spark's decimal avg rounds to 6 decimals). No window over the days is needed.
        sum(day_revenue) - {{ kanta_arg_min('day_revenue', 'order_date') }} as repeat_revenue
    from order_days
    group by customer_id
),

final as (
    select
        customer_id,
        cast(order_days - 1 as integer) as x,
        cast({{ kanta_days_between('first_order_date', 'last_order_date') }} as integer) as t_x,
        cast({{ kanta_days_between('first_order_date', kanta_as_of_date()) }} - 1 as integer) as t,
        case
            when order_days > 1 then cast(repeat_revenue as double) / (order_days - 1)
        end as repeat_mean_revenue
    from customer_days
)

select * from final
