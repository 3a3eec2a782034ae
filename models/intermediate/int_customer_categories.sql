-- One row per buyer with order lines: the categories and brands of what they bought in
-- counted orders before as_of_date. Favourites are by line revenue, ties by name.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

order_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
),

customer_lines as (
    select
        orders.customer_id,
        orders.order_date,
        products.category,
        products.brand,
        coalesce(order_lines.line_total, 0) as line_revenue
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    left join products
        on order_lines.product_id = products.product_id
),

category_counts as (
    select
        customer_id,
        count(distinct category) as distinct_categories,
        count(distinct case
            when order_date >= {{ kanta_add_days(kanta_as_of_date(), -365) }} then category
        end) as distinct_categories_365d
    from customer_lines
    group by customer_id
),

{% for attribute in ['category', 'brand'] %}
favourite_{{ attribute }} as (
    select
        customer_id,
        {{ attribute }}
    from (
        select
            customer_id,
            {{ attribute }},
            row_number() over (
                partition by customer_id
                order by sum(line_revenue) desc, {{ attribute }} asc
            ) as favourite_rank
        from customer_lines
        where {{ attribute }} is not null
        group by customer_id, {{ attribute }}
    ) as ranked
    where favourite_rank = 1
),

{% endfor %}
final as (
    select
        category_counts.customer_id,
        category_counts.distinct_categories,
        category_counts.distinct_categories_365d,
        favourite_category.category as favourite_category,
        favourite_brand.brand as favourite_brand
    from category_counts
    left join favourite_category
        on category_counts.customer_id = favourite_category.customer_id
    left join favourite_brand
        on category_counts.customer_id = favourite_brand.customer_id
)

select * from final
