-- One row per buyer: a fingerprint of their counted orders before as_of_date (how many, and
-- the sum of a hash of every column of each order). The incremental-by-buyer models
-- (macros/incremental.sql) rebuild a buyer when it changes. Two different order sets share a
-- fingerprint only if their 64-bit hash sums collide.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

final as (
    select
        customer_id,
        cast(count(*) as string) || ':' || cast(
            sum({{ kanta_row_hash([
                'order_id', 'ordered_at', 'order_date', 'revenue', 'coupon_code',
                'shipping_city', 'billing_city',
            ]) }}) as string
        ) as orders_hash
    from orders
    group by customer_id
)

select * from final
