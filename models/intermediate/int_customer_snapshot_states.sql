-- What each buyer's counted orders added up to on each snapshot day of the segment history
-- (the first days of the last history_months months, the last being the month of
-- as_of_date - 1 day), counting only orders before that day. Orders are rolled up per
-- customer and month once; each rolled-up month then stands for every snapshot until the
-- customer's next active month, so orders are scanned once, not once per snapshot.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

snapshot_bounds as (
    select
        {{ kanta_add_months('last_snapshot_date', 1 - var('history_months')) }} as first_snapshot_date,
        last_snapshot_date
    from (
        select
            {{ kanta_period_start('month', kanta_add_days(kanta_as_of_date(), -1)) }} as last_snapshot_date
    ) as bounds
),

snapshots as (
    select {{ kanta_date_spine('month', 'first_snapshot_date', 'last_snapshot_date') }} as snapshot_date
    from snapshot_bounds
),

customer_months as (
    select
        customer_id,
        {{ kanta_period_start('month', 'order_date') }} as order_month,
        count(*) as orders,
        sum(revenue) as revenue,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
    group by customer_id, {{ kanta_period_start('month', 'order_date') }}
),

cumulative as (
    select
        customer_id,
        sum(orders) over (
            partition by customer_id
            order by order_month
            rows between unbounded preceding and current row
        ) as order_count,
        sum(revenue) over (
            partition by customer_id
            order by order_month
            rows between unbounded preceding and current row
        ) as total_revenue,
        min(first_order_date) over (partition by customer_id) as first_order_date,
        last_order_date,
        -- This month's state holds from the next month's first day up to and including the
        -- first day of the customer's next active month.
        {{ kanta_add_months('order_month', 1) }} as valid_from,
        lead(order_month) over (partition by customer_id order by order_month) as valid_through
    from customer_months
),

final as (
    select
        snapshots.snapshot_date,
        cumulative.customer_id,
        cumulative.order_count,
        cumulative.total_revenue,
        cumulative.first_order_date,
        cumulative.last_order_date,
        {{ kanta_days_between('cumulative.last_order_date', 'snapshots.snapshot_date') }} as recency_days,
        {{ kanta_days_between('cumulative.first_order_date', 'snapshots.snapshot_date') }} as tenure_days
    from cumulative
    inner join snapshots
        on
            snapshots.snapshot_date >= cumulative.valid_from
            and (cumulative.valid_through is null or snapshots.snapshot_date <= cumulative.valid_through)
)

select * from final
