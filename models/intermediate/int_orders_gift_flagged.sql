-- Counted orders of the last 365 days (on or after as_of_date - 365 days, the only ones
-- gift_anniversaries considers) flagged as gifts: shipped to another city than the
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
    where orders.order_date >= {{ kanta_add_days(kanta_as_of_date(), -365) }}
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
