-- The shop's week (SPEC section 3, send_time_preferences): counted orders and revenue per ISO
-- weekday (1 = Monday ... 7 = Sunday) and hour of day, all 7 x 24 cells present (zeros
-- included), so a heatmap never has holes.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

weekdays as (
    {{ kanta_integer_rows('order_weekday', 1, 7) }}
),

hours as (
    {{ kanta_integer_rows('order_hour', 0, 23) }}
),

cells as (
    select
        weekdays.order_weekday,
        hours.order_hour
    from weekdays
    cross join hours
),

order_cells as (
    select
        {{ kanta_iso_weekday('ordered_at') }} as order_weekday,
        cast(hour(ordered_at) as integer) as order_hour,
        count(*) as orders,
        sum(revenue) as revenue
    from orders
    group by
        {{ kanta_iso_weekday('ordered_at') }},
        cast(hour(ordered_at) as integer)
),

cell_counts as (
    select
        cells.order_weekday,
        cells.order_hour,
        coalesce(order_cells.orders, 0) as orders,
        coalesce(order_cells.revenue, 0) as revenue
    from cells
    left join order_cells
        on
            cells.order_weekday = order_cells.order_weekday
            and cells.order_hour = order_cells.order_hour
),

totals as (
    select sum(orders) as orders
    from cell_counts
),

final as (
    select
        cast(cell_counts.order_weekday as integer) as order_weekday,
        cast(cell_counts.order_hour as integer) as order_hour,
        cast(cell_counts.orders as bigint) as orders,
        cast(cell_counts.revenue as decimal(18, 2)) as revenue,
        cast(
            case
                when totals.orders > 0 then cell_counts.orders / cast(totals.orders as double)
            end as double
        ) as share_of_orders
    from cell_counts
    cross join totals
)

select * from final
