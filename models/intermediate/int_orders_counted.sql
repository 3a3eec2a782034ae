-- Counted orders before as_of_date: the orders every mart is built on (SPEC section 2).

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        revenue,
        coupon_code,
        shipping_city,
        billing_city
    from orders
    where
        is_counted
        and order_date < {{ kanta_as_of_date() }}
)

select * from final
