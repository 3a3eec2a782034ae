-- Counted orders numbered per customer (1 = first), with the days since the previous order.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

sequenced as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as order_number,
        lag(order_date) over (
            partition by customer_id
            order by ordered_at, order_id
        ) as previous_order_date
    from orders
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        revenue,
        order_number,
        {{ kanta_days_between('previous_order_date', 'order_date') }} as days_since_previous_order
    from sequenced
)

select * from final
