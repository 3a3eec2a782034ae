-- Counted orders before as_of_date flagged as gifts: shipped to another city than the
-- buyer's own (SPEC section 3, gift_anniversaries). The buyer's city is the customer
-- record's city, else the billing city of that same order; cities are compared trimmed and
-- in any letter case. An order without a shipping city, or whose buyer's city is unknown,
-- is not a gift.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

cities as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.revenue,
        nullif(trim(orders.shipping_city), '') as recipient_city,
        coalesce(
            nullif(trim(customers.city), ''),
            nullif(trim(orders.billing_city), '')
        ) as buyer_city
    from orders
    left join customers
        on orders.customer_id = customers.customer_id
),

final as (
    select
        order_id,
        customer_id,
        order_date,
        revenue,
        recipient_city,
        buyer_city,
        coalesce(lower(recipient_city) <> lower(buyer_city), false) as is_gift
    from cities
)

select * from final
