-- Quarterly rewards (SPEC section 3, quarterly_rewards): buyers whose revenue in the latest
-- complete quarter (the latest whose exclusive end <= as_of_date) reached a tier of the seed
-- reward_tiers, with the highest tier reached and its gift card.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

reward_tiers as (
    select * from {{ ref('reward_tiers') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

latest_quarter as (
    -- The quarter before the one as_of_date falls in: its exclusive end, the first day of
    -- as_of_date's quarter, is <= as_of_date.
    select
        {{ kanta_add_months(kanta_period_start('quarter', kanta_as_of_date()), -3) }} as quarter_start,
        {{ kanta_period_start('quarter', kanta_as_of_date()) }} as quarter_end
),

quarter_revenue as (
    select
        orders.customer_id,
        latest_quarter.quarter_start,
        count(*) as quarter_orders,
        sum(orders.revenue) as quarter_revenue
    from orders
    inner join latest_quarter
        on
            orders.order_date >= latest_quarter.quarter_start
            and orders.order_date < latest_quarter.quarter_end
    group by
        orders.customer_id,
        latest_quarter.quarter_start
),

tiers_reached as (
    -- Every tier reached (quarter_revenue >= min_revenue), the highest first.
    select
        quarter_revenue.customer_id,
        quarter_revenue.quarter_start,
        quarter_revenue.quarter_orders,
        quarter_revenue.quarter_revenue,
        reward_tiers.reward_tier,
        reward_tiers.min_revenue,
        reward_tiers.gift_card_amount,
        row_number() over (
            partition by quarter_revenue.customer_id
            order by reward_tiers.min_revenue desc, reward_tiers.gift_card_amount desc
        ) as tier_rank
    from quarter_revenue
    inner join reward_tiers
        on quarter_revenue.quarter_revenue >= reward_tiers.min_revenue
),

final as (
    select
        cast(tiers_reached.customer_id as string) as customer_id,
        cast(tiers_reached.quarter_start as date) as quarter_start,
        cast(tiers_reached.quarter_revenue as decimal(18, 2)) as quarter_revenue,
        cast(tiers_reached.reward_tier as string) as reward_tier,
        cast(tiers_reached.gift_card_amount as decimal(18, 2)) as gift_card_amount,
        cast(customer_facts.is_marketable as boolean) as is_marketable,
        cast(tiers_reached.quarter_orders as bigint) as quarter_orders,
        cast(tiers_reached.min_revenue as decimal(18, 2)) as tier_min_revenue
    from tiers_reached
    inner join customer_facts
        on tiers_reached.customer_id = customer_facts.customer_id
    where tiers_reached.tier_rank = 1
)

select * from final
