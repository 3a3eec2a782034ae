-- Each buyer's state right after each day with counted orders: the orders, revenue and first
-- order date added up to and including that day (last_order_date), and the day of the next
-- counted order. The state is what a build would see on every day d with
-- last_order_date < d <= next_order_date (orders before d only; no end while next_order_date
-- is null), so the state on any past day is one range lookup instead of a rescan of orders.

-- Incremental by buyer on DuckDB (macros/incremental.sql).
{{ config(
    materialized=kanta_by_customer_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    pre_hook="{{ kanta_delete_departed_customers() }}",
) }}

with

orders as (
    select * from {{ ref('int_orders_sequenced') }}
),

customers_to_build as {{ kanta_materialized_cte() }} (
    -- Every buyer on a full build; on an incremental one, the buyers whose orders changed.
    {{ kanta_customers_to_build(ref('int_customer_order_hashes')) }}
),

orders_to_build as (
    {{ kanta_rows_to_build(
        'orders', 'customers_to_build', columns=['customer_id', 'order_date', 'order_number', 'revenue']
    ) }}
),

accumulated as (
    select
        customer_id,
        order_date,
        order_number,
        sum(revenue) over (
            partition by customer_id
            order by order_number
            rows between unbounded preceding and current row
        ) as total_revenue,
        min(order_date) over (partition by customer_id) as first_order_date,
        lead(order_date) over (
            partition by customer_id
            order by order_number
        ) as next_order_date,
        orders_hash
    from orders_to_build
),

final as (
    select
        customer_id,
        first_order_date,
        order_date as last_order_date,
        order_number as order_count,
        total_revenue,
        next_order_date,
        orders_hash
    from accumulated
    -- Orders are numbered by time, so the last order of a day carries the whole day's state.
    where next_order_date is null or next_order_date > order_date
)

select * from final
