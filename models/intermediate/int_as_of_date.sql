-- One row: the day the analysis stands on. The var as_of_date when set, else the day after
-- the latest counted order (SPEC section 2).

with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

latest as (
    select max(order_date) as latest_order_date
    from orders
    where is_counted
),

final as (
    select
            {%- if var('as_of_date') %}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
        {%- else %}
        cast({{ kanta_add_days('latest_order_date', 1) }} as date) as as_of_date
        {%- endif %}
    from latest
)

select * from final
