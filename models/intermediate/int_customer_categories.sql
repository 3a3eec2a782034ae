-- One row per buyer with order lines: the categories and brands of what they bought in
-- counted orders before as_of_date. Favourites are by line revenue, ties by name.

with

customer_lines as (
    -- The joined lines as they stream (a view), not their stored copy: see int_order_lines_joined.
    select * from {{ ref('int_order_lines_joined') }}
),

category_brand_totals as (
    -- One pass over the lines: one row per buyer, category and brand, with the revenue and
    -- the last day bought (a null category or brand is a value too, so that every buyer with
    -- lines is in both totals below).
    select
        customer_id,
        category,
        brand,
        sum(line_revenue) as line_revenue,
        max(order_date) as last_bought_on
    from customer_lines
    group by customer_id, category, brand
),

{% for attribute in ['category', 'brand'] %}
{{ attribute }}_totals as (
    select
        customer_id,
        {{ attribute }},
        sum(line_revenue) as line_revenue,
        max(last_bought_on) as last_bought_on
    from category_brand_totals
    group by customer_id, {{ attribute }}
),

{% endfor %}
category_counts as (
    -- The favourite: the named value with the most revenue, ties to the first name, null when
    -- none is named (kanta_top_value: one aggregate per buyer, no window).
    select
        customer_id,
        count(category) as distinct_categories,
        count(case
            when last_bought_on >= {{ kanta_add_days(kanta_as_of_date(), -365) }} then category
        end) as distinct_categories_365d,
        {{ kanta_top_value('category', 'line_revenue') }} as favourite_category
    from category_totals
    group by customer_id
),

brand_favourites as (
    select
        customer_id,
        {{ kanta_top_value('brand', 'line_revenue') }} as favourite_brand
    from brand_totals
    group by customer_id
),

final as (
    select
        category_counts.customer_id,
        category_counts.distinct_categories,
        category_counts.distinct_categories_365d,
        category_counts.favourite_category,
        brand_favourites.favourite_brand
    from category_counts
    inner join brand_favourites
        on category_counts.customer_id = brand_favourites.customer_id
)

select * from final
