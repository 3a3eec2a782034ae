-- One row saying what this build stands on (SPEC section 3, build_info), so every dashboard
-- can say "data as of". built_at is when the dbt invocation started (run_started_at, UTC);
-- kanta_version is the var kanta_version, which must equal kanta/__init__.py's __version__
-- (a pytest checks it: dbt cannot import Python).

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

totals as (
    select
        max(ordered_at) as latest_order_at,
        count(distinct customer_id) as buyers,
        count(*) as counted_orders,
        coalesce(sum(revenue), 0) as revenue
    from orders
),

final as (
    select
        cast({{ kanta_as_of_date() }} as date) as as_of_date,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as built_at,
        cast('{{ target.type }}' as string) as engine,
        cast('{{ var("kanta_version", "0.1.0") }}' as string) as kanta_version,
        cast(latest_order_at as timestamp) as latest_order_at,
        cast(buyers as bigint) as buyers,
        cast(counted_orders as bigint) as counted_orders,
        cast(revenue as decimal(18, 2)) as revenue
    from totals
)

select * from final
