-- How each coupon performs, per coupon_code and the redeemer's current rfm_segment (SPEC
-- section 3), over counted orders before as_of_date.
--
-- A redemption is a counted order with the coupon. repeat_rate: the share of redeemers who
-- ordered again within var coupon_repeat_window_days of their first redemption of the coupon,
-- i.e. a later counted order (by time, then order_id) on a day before first redemption day +
-- window, over the redeemers whose window has closed (first redemption day + window <=
-- as_of_date, the first redemption at least that many days before as_of_date); null when none.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

redemptions as (
    select
        customer_id,
        coupon_code,
        order_id,
        ordered_at,
        order_date,
        revenue,
        row_number() over (
            partition by customer_id, coupon_code
            order by ordered_at, order_id
        ) as redemption_number
    from orders
    where coupon_code is not null
),

redeemers as (
    -- One row per customer and coupon: their redemptions and the first one.
    select
        customer_id,
        coupon_code,
        count(*) as redemptions,
        sum(revenue) as revenue,
        max(case when redemption_number = 1 then order_id end) as first_order_id,
        max(case when redemption_number = 1 then ordered_at end) as first_ordered_at,
        min(order_date) as first_redemption_date
    from redemptions
    group by
        customer_id,
        coupon_code
),

repeat_checks as (
    select
        redeemers.customer_id,
        redeemers.coupon_code,
        redeemers.redemptions,
        redeemers.revenue,
        -- var coupon_repeat_window_days (SPEC default 90).
        {{ kanta_add_days('redeemers.first_redemption_date', var('coupon_repeat_window_days')) }}
        <= {{ kanta_as_of_date() }} as is_window_closed,
        count(later_orders.order_id) > 0 as has_ordered_again
    from redeemers
    left join orders as later_orders
        on
            redeemers.customer_id = later_orders.customer_id
            and (
                redeemers.first_ordered_at < later_orders.ordered_at
                or (
                    redeemers.first_ordered_at = later_orders.ordered_at
                    and redeemers.first_order_id < later_orders.order_id
                )
            )
            and {{ kanta_add_days('redeemers.first_redemption_date', var('coupon_repeat_window_days')) }}
            > later_orders.order_date
    group by
        redeemers.customer_id,
        redeemers.coupon_code,
        redeemers.redemptions,
        redeemers.revenue,
        redeemers.first_redemption_date
),

by_segment as (
    select
        repeat_checks.coupon_code,
        coalesce(customer_segments.rfm_segment, 'unknown') as rfm_segment,
        sum(repeat_checks.redemptions) as redemptions,
        count(*) as customers,
        sum(repeat_checks.revenue) as revenue,
        sum(case when repeat_checks.is_window_closed then 1 else 0 end) as eligible_customers,
        sum(
            case when repeat_checks.is_window_closed and repeat_checks.has_ordered_again then 1 else 0 end
        ) as repeat_customers
    from repeat_checks
    left join customer_segments
        on repeat_checks.customer_id = customer_segments.customer_id
    group by
        repeat_checks.coupon_code,
        coalesce(customer_segments.rfm_segment, 'unknown')
),

final as (
    select
        cast(coupon_code as string) as coupon_code,
        cast(rfm_segment as string) as rfm_segment,
        cast(redemptions as bigint) as redemptions,
        cast(customers as bigint) as customers,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(
            case when eligible_customers > 0 then repeat_customers / cast(eligible_customers as double) end
            as double
        ) as repeat_rate,
        cast(eligible_customers as bigint) as eligible_customers,
        cast(repeat_customers as bigint) as repeat_customers
    from by_segment
)

select * from final
