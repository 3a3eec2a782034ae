-- One row per counted order before as_of_date, numbered per customer: the order-level fact the
-- semantic models and metrics (revenue, buyers, new buyers, average order value) are built on.

with

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

final as (
    select
        cast(order_id as string) as order_id,
        cast(customer_id as string) as customer_id,
        cast(ordered_at as timestamp) as ordered_at,
        cast(order_date as date) as order_date,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(order_number as bigint) as order_number,
        cast(order_number = 1 as boolean) as is_first_order
    from orders
)

select * from final
