-- One row per buyer, one column per segmentation; each is exhaustive and exclusive
-- (SPEC section 3). Thresholds are vars in dbt_project.yml.

with

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

customer_rfm as (
    select * from {{ ref('customer_rfm') }}
),

referrals as (
    select * from {{ ref('int_customer_referrals') }}
),

shop as (
    select
        -- The shop's median days from first to second order, over buyers with 2+ orders.
        {{ kanta_median('first_to_second_order_days') }} as median_days_to_second_order,
        -- Without categorised order lines the category condition of value_group is dropped.
        max(distinct_categories) > 0 as has_categories
    from customer_facts
),

grouped as (
    select
        customer_facts.*,
        customer_rfm.rfm_segment,
        coalesce(referrals.referred_buyers, 0) as referred_buyers,
        {{ kanta_is_vip('customer_facts.order_count', 'customer_facts.total_revenue') }} as is_vip,
        {{ kanta_lifecycle_stage(
            'customer_facts.order_count',
            'customer_facts.total_revenue',
            'customer_facts.recency_days',
            'customer_facts.tenure_days',
        ) }} as lifecycle_stage,
        case
            when
                customer_facts.orders_last_365d >= {{ var('loyal_min_orders_365d') }}
                and (
                    not shop.has_categories
                    or customer_facts.distinct_categories_365d >= {{ var('loyal_min_categories_365d') }}
                )
                then 'loyal'
            else 'occasional'
        end as value_group,
        case
            when customer_facts.order_count = 1
                then
                    case
                        when
                            shop.median_days_to_second_order is null
                            or customer_facts.tenure_days <= shop.median_days_to_second_order
                            then 'awaiting_second_order'
                        else 'overdue'
                    end
            when
                customer_facts.recency_days
                > {{ var('overdue_factor') }} * customer_facts.median_days_between_orders
                then 'overdue'
            else 'on_cycle'
        end as repurchase_status
    from customer_facts
    inner join customer_rfm
        on customer_facts.customer_id = customer_rfm.customer_id
    left join referrals
        on customer_facts.customer_id = referrals.customer_id
    cross join shop
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(rfm_segment as string) as rfm_segment,
        cast(lifecycle_stage as string) as lifecycle_stage,
        cast(value_group as string) as value_group,
        cast(
            case
                when referred_buyers > 0 then 'advocate'
                when value_group = 'loyal' then 'loyal'
                when order_count >= 2 then 'repeat'
                else 'first_time'
            end as string
        ) as maturity,
        cast(repurchase_status as string) as repurchase_status,
        cast(customer_type as string) as customer_type,
        cast(age_band as string) as age_band,
        cast(gender as string) as gender,
        cast(city as string) as city,
        cast(favourite_category as string) as favourite_category,
        cast(is_vip as boolean) as is_vip,
        cast(referred_buyers as bigint) as referred_buyers
    from grouped
)

select * from final
