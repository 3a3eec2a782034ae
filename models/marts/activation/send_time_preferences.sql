-- When each repeat buyer orders (SPEC section 3, send_time_preferences): the hour of day and
-- the ISO weekday with the most counted orders, ties to the earliest, for buyers with at
-- least var min_orders_for_send_time orders. The hour is customer_facts.preferred_order_hour
-- (the same rule); the weekday is worked out here.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

order_times as (
    select
        customer_id,
        {{ kanta_iso_weekday('ordered_at') }} as order_weekday
    from orders
),

customers_considered as (
    select
        customer_id,
        count(*) as orders_considered
    from order_times
    group by customer_id
    having count(*) >= {{ var('min_orders_for_send_time') }}
),

preferred_weekdays as (
    -- The weekday with the most orders; ties go to the earliest.
    select
        customer_id,
        order_weekday,
        orders
    from (
        select
            customer_id,
            order_weekday,
            count(*) as orders,
            row_number() over (
                partition by customer_id
                order by count(*) desc, order_weekday asc
            ) as preference_rank
        from order_times
        group by
            customer_id,
            order_weekday
    ) as ranked
    where preference_rank = 1
),

final as (
    select
        cast(customers_considered.customer_id as string) as customer_id,
        cast(customer_facts.preferred_order_hour as integer) as preferred_hour,
        cast(preferred_weekdays.order_weekday as integer) as preferred_weekday,
        cast(customers_considered.orders_considered as bigint) as orders_considered,
        cast(preferred_weekdays.orders as bigint) as orders_on_preferred_weekday,
        cast(customer_facts.is_marketable as boolean) as is_marketable
    from customers_considered
    inner join preferred_weekdays
        on customers_considered.customer_id = preferred_weekdays.customer_id
    inner join customer_facts
        on customers_considered.customer_id = customer_facts.customer_id
)

select * from final
