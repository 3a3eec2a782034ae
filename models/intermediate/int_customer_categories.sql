-- One row per buyer with order lines: the categories and brands of what they bought in
-- counted orders before as_of_date. Favourites are by line revenue, ties by name.

with

customer_lines as (
    select * from {{ ref('int_order_lines_categorised') }}
),

{% for attribute in ['category', 'brand'] %}
{{ attribute }}_totals as (
    -- One row per buyer and {{ attribute }} (a null {{ attribute }} is a row too, so that every
    -- buyer with lines is here): revenue and the last day it was bought.
    select
        customer_id,
        {{ attribute }},
        sum(line_revenue) as line_revenue,
        max(order_date) as last_bought_on
    from customer_lines
    group by customer_id, {{ attribute }}
),

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
                order by line_revenue desc, {{ attribute }} asc
            ) as favourite_rank
        from {{ attribute }}_totals
        where {{ attribute }} is not null
    ) as ranked
    where favourite_rank = 1
),

{% endfor %}
category_counts as (
    select
        customer_id,
        count(category) as distinct_categories,
        count(case
            when last_bought_on >= {{ kanta_add_days(kanta_as_of_date(), -365) }} then category
        end) as distinct_categories_365d
    from category_totals
    group by customer_id
),

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
