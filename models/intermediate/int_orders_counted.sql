-- Counted orders before as_of_date: the orders every mart is built on (SPEC section 2).
--
-- A view, unlike the other intermediate models: it only filters and narrows the checked orders,
-- and each reader scans those columns about as fast as it would scan a copy of them, so a table
-- would only add the cost of writing the orders a second time (about 5 s at 10M orders).
{{ config(materialized='view') }}

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
        billing_city,
        order_row_number
    from orders
    where
        is_counted
        and order_date < {{ kanta_as_of_date() }}
)

select * from final
