-- When each repeat buyer orders (SPEC section 3, send_time_preferences): the hour of day and
-- the ISO weekday with the most counted orders, ties to the earliest, for buyers with at
-- least var min_orders_for_send_time orders.

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
        cast(hour(ordered_at) as integer) as order_hour,
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

{% for part in ['hour', 'weekday'] %}
preferred_{{ part }}s as (
    -- The {{ part }} with the most orders; ties go to the earliest.
    select
        customer_id,
        order_{{ part }},
        orders
    from (
        select
            customer_id,
            order_{{ part }},
            count(*) as orders,
            row_number() over (
                partition by customer_id
                order by count(*) desc, order_{{ part }} asc
            ) as preference_rank
        from order_times
        group by
            customer_id,
            order_{{ part }}
    ) as ranked
    where preference_rank = 1
),

{% endfor %}
final as (
    select
        cast(customers_considered.customer_id as string) as customer_id,
        cast(preferred_hours.order_hour as integer) as preferred_hour,
        cast(preferred_weekdays.order_weekday as integer) as preferred_weekday,
        cast(customers_considered.orders_considered as bigint) as orders_considered,
        cast(preferred_hours.orders as bigint) as orders_in_preferred_hour,
        cast(preferred_weekdays.orders as bigint) as orders_on_preferred_weekday,
        cast(customer_facts.is_marketable as boolean) as is_marketable
    from customers_considered
    inner join preferred_hours
        on customers_considered.customer_id = preferred_hours.customer_id
    inner join preferred_weekdays
        on customers_considered.customer_id = preferred_weekdays.customer_id
    inner join customer_facts
        on customers_considered.customer_id = customer_facts.customer_id
)

select * from final
