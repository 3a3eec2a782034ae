-- Counted orders numbered per customer (1 = first), with the days since the previous order.
-- Incremental by buyer on DuckDB (macros/incremental.sql): only buyers whose orders changed
-- are renumbered.
{{ config(
    materialized=kanta_by_customer_materialization(),
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    pre_hook="{{ kanta_delete_departed_customers() }}",
) }}


with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

customers_to_build as {{ kanta_materialized_cte() }} (
    -- Every buyer on a full build; on an incremental one, the buyers whose orders changed.
    {{ kanta_customers_to_build(ref('int_customer_order_hashes')) }}
),

orders_to_build as (
    {{ kanta_rows_to_build('orders', 'customers_to_build') }}
),

sequenced as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as order_number,
        lag(order_date) over (
            partition by customer_id
            order by ordered_at, order_id
        ) as previous_order_date
    from orders_to_build
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        revenue,
        order_number,
        {{ kanta_days_between('previous_order_date', 'order_date') }} as days_since_previous_order,
        orders_hash
    from sequenced
)

select * from final
