-- One row per buyer: what their counted orders before as_of_date add up to.

with

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

order_hours as (
    select
        customer_id,
        hour(ordered_at) as order_hour,
        count(*) as orders
    from orders
    group by customer_id, hour(ordered_at)
),

preferred_hours as (
    -- The hour with the most orders; ties go to the earliest hour.
    select
        customer_id,
        order_hour
    from (
        select
            customer_id,
            order_hour,
            row_number() over (
                partition by customer_id
                order by orders desc, order_hour asc
            ) as hour_rank
        from order_hours
    ) as ranked
    where hour_rank = 1
),

aggregated as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_count,
        sum(revenue) as total_revenue,
        sum(case when order_date >= {{ kanta_add_days(kanta_as_of_date(), -365) }} then 1 else 0 end)
            as orders_last_365d,
        coalesce(
            sum(case when order_date >= {{ kanta_add_days(kanta_as_of_date(), -365) }} then revenue end),
            0
        ) as revenue_last_365d,
        {{ kanta_median('days_since_previous_order') }} as median_days_between_orders,
        max(case when order_number = 2 then days_since_previous_order end) as first_to_second_order_days
    from orders
    group by customer_id
),

final as (
    select
        aggregated.customer_id,
        aggregated.first_order_date,
        aggregated.last_order_date,
        aggregated.order_count,
        aggregated.total_revenue,
        aggregated.orders_last_365d,
        aggregated.revenue_last_365d,
        aggregated.median_days_between_orders,
        aggregated.first_to_second_order_days,
        preferred_hours.order_hour as preferred_order_hour,
        {{ kanta_days_between('aggregated.last_order_date', kanta_as_of_date()) }} as recency_days,
        {{ kanta_days_between('aggregated.first_order_date', kanta_as_of_date()) }} as tenure_days,
        case
            when aggregated.order_count >= 2
                then
                    {{ kanta_days_between('aggregated.first_order_date', 'aggregated.last_order_date') }}
                    / cast(aggregated.order_count - 1 as double)
        end as avg_days_between_orders
    from aggregated
    left join preferred_hours
        on aggregated.customer_id = preferred_hours.customer_id
)

select * from final
