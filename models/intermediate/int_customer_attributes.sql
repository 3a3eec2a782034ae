-- Every known customer (the customers file and every buyer of a valid order, guests
-- included; erased customers are already gone), with what we know of them apart from
-- orders: email hash, demographics, business account, referral and marketing consent.

with

customers as (
    select * from {{ ref('stg_shop__customers') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

consent_events as (
    select * from {{ ref('stg_shop__consent_events') }}
),

order_buyers as (
    -- Email and billing city of each buyer's latest valid order (by ordered_at, then order_id).
    -- The latest order's values are picked as written and cleaned after the pick: the same
    -- result, with the text functions run once per buyer rather than once per order.
    select
        customer_id,
        lower(trim(latest_order.customer_email)) as email_key,
        nullif(trim(latest_order.billing_city), '') as billing_city
    from (
        select
            customer_id,
            {{ kanta_arg_max(
                kanta_struct([
                    ('customer_email', 'customer_email'),
                    ('billing_city', 'billing_city'),
                ]),
                kanta_struct([('ordered_at', 'ordered_at'), ('order_id', 'order_id')]),
            ) }} as latest_order
        from orders
        group by customer_id
    ) as latest_orders
),

latest_consent as (
    -- The latest change wins; on a tie a withdrawal wins.
    select
        customer_id,
        consent
    from (
        select
            customer_id,
            consent,
            row_number() over (
                partition by customer_id
                order by changed_at desc, consent asc
            ) as change_rank
        from consent_events
    ) as ranked
    where change_rank = 1
),

known_customers as (
    select customer_id from customers
    union
    select customer_id from order_buyers
),

final as (
    select
        known_customers.customer_id,
        customers.customer_id is not null as is_registered,
        coalesce(customers.email_key, order_buyers.email_key) as email_key,
        customers.created_at,
        customers.birth_year,
        nullif(trim(lower(customers.gender)), '') as gender,
        coalesce(nullif(trim(customers.city), ''), order_buyers.billing_city) as city,
        customers.country,
        case
            when customers.is_business or nullif(trim(customers.company_name), '') is not null then 'b2b'
            else 'b2c'
        end as customer_type,
        customers.referred_by_customer_id,
        coalesce(latest_consent.consent, customers.marketing_consent, false) as is_marketable
    from known_customers
    left join customers
        on known_customers.customer_id = customers.customer_id
    left join order_buyers
        on known_customers.customer_id = order_buyers.customer_id
    left join latest_consent
        on known_customers.customer_id = latest_consent.customer_id
)

select * from final
