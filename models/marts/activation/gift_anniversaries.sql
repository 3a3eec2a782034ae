-- Gift reminders (SPEC section 3, gift_anniversaries): counted orders of the last 365 days
-- shipped to another city than the buyer's own (int_orders_gift_flagged), with a reminder
-- var gift_reminder_days (335) after the gift, due when it falls in the next
-- var gift_reminder_horizon_days (28) days: as_of_date <= reminder_date < as_of_date + horizon.

with

gift_orders as (
    select * from {{ ref('int_orders_gift_flagged') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

recent_gifts as (
    select
        gift_orders.customer_id,
        gift_orders.order_id,
        gift_orders.order_date as gift_order_date,
        gift_orders.recipient_city,
        gift_orders.buyer_city,
        gift_orders.revenue,
        {{ kanta_add_days('gift_orders.order_date', var('gift_reminder_days')) }} as reminder_date,
        as_of.as_of_date
    from gift_orders
    cross join as_of
    where
        gift_orders.is_gift
        -- The last 365 days: on or after as_of_date - 365 days (SPEC section 3).
        and gift_orders.order_date >= {{ kanta_add_days('as_of.as_of_date', -365) }}
),

final as (
    select
        cast(recent_gifts.customer_id as string) as customer_id,
        cast(recent_gifts.order_id as string) as order_id,
        cast(recent_gifts.gift_order_date as date) as gift_order_date,
        cast(recent_gifts.recipient_city as string) as recipient_city,
        cast(recent_gifts.reminder_date as date) as reminder_date,
        cast(
            recent_gifts.reminder_date >= recent_gifts.as_of_date
            and recent_gifts.reminder_date
            < {{ kanta_add_days('recent_gifts.as_of_date', var('gift_reminder_horizon_days')) }}
            as boolean
        ) as is_due,
        cast(customer_facts.is_marketable as boolean) as is_marketable,
        cast(recent_gifts.buyer_city as string) as buyer_city,
        cast(recent_gifts.revenue as decimal(18, 2)) as order_revenue
    from recent_gifts
    inner join customer_facts
        on recent_gifts.customer_id = customer_facts.customer_id
)

select * from final
