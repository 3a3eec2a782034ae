-- What a buyer will run out of (SPEC section 3): consumable products the customer bought on at
-- least two different days, their usual interval and when the next purchase is expected.
--
-- purchases: distinct days on which the customer bought the product. Intervals: days between
-- consecutive purchase days. next_expected_date = last_purchase_date + the median interval
-- rounded half up to whole days. is_subscription_candidate: 3+ purchases and a coefficient of
-- variation (population standard deviation / mean of the intervals) at most steady_interval_cv.

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

purchase_days as (
    select distinct
        customer_id,
        product_id,
        order_date as purchase_date
    from basket_products
    where is_replenishable
),

sequenced as (
    select
        customer_id,
        product_id,
        purchase_date,
        lag(purchase_date) over (
            partition by customer_id, product_id
            order by purchase_date
        ) as previous_purchase_date
    from purchase_days
),

intervals as (
    select
        customer_id,
        product_id,
        purchase_date,
        {{ kanta_days_between('previous_purchase_date', 'purchase_date') }} as interval_days
    from sequenced
),

cycles as (
    -- Only rows with an interval, i.e. products bought on at least two days (most are bought
    -- once, and aggregating them only to drop them took a third of the time). n intervals
    -- mean n + 1 purchase days, and the latest purchase day always has an interval.
    select
        customer_id,
        product_id,
        count(*) as intervals,
        max(purchase_date) as last_purchase_date,
        {{ kanta_median('interval_days') }} as median_interval_days,
        -- Whole numbers, so that the coefficient of variation below comes out the same in every
        -- build: avg() and stddev_pop() add floating-point values in whatever order the
        -- threads meet them, and differed in the 16th digit from build to build.
        sum(interval_days) as interval_days_total,
        sum(interval_days * interval_days) as interval_days_squared_total
    from intervals
    where interval_days is not null
    group by
        customer_id,
        product_id
),

scheduled as (
    select
        *,
        intervals + 1 as purchases,
        {{ kanta_add_days('last_purchase_date', kanta_round_days('median_interval_days')) }} as next_expected_date,
        -- stddev_pop / mean = sqrt(n * sum(x^2) - sum(x)^2) / n / (sum(x) / n)
        --                   = sqrt(n * sum(x^2) - sum(x)^2) / sum(x); sum(x) >= 1 (days apart).
        sqrt(cast(intervals * interval_days_squared_total - interval_days_total * interval_days_total as double))
        / cast(interval_days_total as double) as interval_cv
    from cycles
),

final as (
    select
        cast(scheduled.customer_id as string) as customer_id,
        cast(scheduled.product_id as string) as product_id,
        cast(scheduled.purchases as bigint) as purchases,
        cast(scheduled.median_interval_days as double) as median_interval_days,
        cast(scheduled.last_purchase_date as date) as last_purchase_date,
        cast(scheduled.next_expected_date as date) as next_expected_date,
        cast(
            -- var replenishment_horizon_days: remind this many days ahead (SPEC default 7).
            scheduled.next_expected_date
            < {{ kanta_add_days(kanta_as_of_date(), var('replenishment_horizon_days')) }}
            as boolean
        ) as is_due,
        cast(
            -- var steady_interval_cv: a steady cycle (SPEC default 0.35).
            scheduled.purchases >= 3
            and scheduled.interval_cv <= {{ var('steady_interval_cv') }}
            as boolean
        ) as is_subscription_candidate,
        cast(scheduled.interval_cv as double) as interval_cv,
        cast(coalesce(customer_facts.is_marketable, false) as boolean) as is_marketable
    from scheduled
    inner join customer_facts
        on scheduled.customer_id = customer_facts.customer_id
)

select * from final
