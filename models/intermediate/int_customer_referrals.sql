-- Customers who referred at least one customer who became a buyer.

with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

buyers as (
    select * from {{ ref('int_customer_orders_aggregated') }}
),

final as (
    select
        customers.referred_by_customer_id as customer_id,
        count(*) as referred_buyers
    from customers
    inner join buyers
        on customers.customer_id = buyers.customer_id
    where customers.referred_by_customer_id is not null
    group by customers.referred_by_customer_id
)

select * from final
