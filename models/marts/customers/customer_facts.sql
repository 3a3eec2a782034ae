-- One row per buyer: orders, revenue, timing, interests and who they are (SPEC section 3).

with

orders_aggregated as (
    select * from {{ ref('int_customer_orders_aggregated') }}
),

categories as (
    select * from {{ ref('int_customer_categories') }}
),

attributes as (
    select * from {{ ref('int_customer_attributes') }}
),

final as (
    select
        cast(orders_aggregated.customer_id as string) as customer_id,
        cast(orders_aggregated.first_order_date as date) as first_order_date,
        cast(orders_aggregated.last_order_date as date) as last_order_date,
        cast(orders_aggregated.order_count as bigint) as order_count,
        cast(orders_aggregated.total_revenue as decimal(18, 2)) as total_revenue,
        {{ kanta_money_ratio('orders_aggregated.total_revenue', 'orders_aggregated.order_count') }} as avg_order_value,
        cast(orders_aggregated.recency_days as integer) as recency_days,
        cast(orders_aggregated.tenure_days as integer) as tenure_days,
        cast(orders_aggregated.avg_days_between_orders as double) as avg_days_between_orders,
        cast(orders_aggregated.orders_last_365d as bigint) as orders_last_365d,
        cast(orders_aggregated.revenue_last_365d as decimal(18, 2)) as revenue_last_365d,
        cast(coalesce(categories.distinct_categories, 0) as bigint) as distinct_categories,
        cast(coalesce(categories.favourite_category, 'unknown') as string) as favourite_category,
        cast(coalesce(categories.favourite_brand, 'unknown') as string) as favourite_brand,
        cast(orders_aggregated.preferred_order_hour as integer) as preferred_order_hour,
        cast(coalesce(attributes.customer_type, 'b2c') as string) as customer_type,
        cast({{ kanta_age_band('attributes.birth_year', kanta_as_of_date()) }} as string) as age_band,
        cast(coalesce(attributes.gender, 'unknown') as string) as gender,
        cast(coalesce(attributes.city, 'unknown') as string) as city,
        cast(coalesce(attributes.is_marketable, false) as boolean) as is_marketable,
        cast(coalesce(categories.distinct_categories_365d, 0) as bigint) as distinct_categories_365d,
        cast(orders_aggregated.median_days_between_orders as double) as median_days_between_orders,
        cast(orders_aggregated.first_to_second_order_days as integer) as first_to_second_order_days
    from orders_aggregated
    left join categories
        on orders_aggregated.customer_id = categories.customer_id
    left join attributes
        on orders_aggregated.customer_id = attributes.customer_id
)

select * from final
