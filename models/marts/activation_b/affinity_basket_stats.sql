-- The baskets behind product_affinities and category_affinities (SPEC section 3): how many
-- counted orders before as_of_date have lines, how many were analysed, and how many were skipped
-- for holding more distinct products than var max_basket_lines. One row.

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

basket_sizes as (
    -- Rows per basket size. A basket of n distinct products has exactly n rows in
    -- int_order_products_basketed, each carrying basket_products = n, so the rows of size n
    -- divided by n is the number of such baskets (exactly: a whole number), and the rows are
    -- never grouped by order_id. is_basket_skipped follows from the size.
    select
        basket_products,
        is_basket_skipped,
        count(*) as basket_rows,
        cast(count(*) / basket_products as bigint) as baskets
    from basket_products
    group by
        basket_products,
        is_basket_skipped
),

totals as (
    select
        coalesce(sum(baskets), 0) as orders_with_lines,
        coalesce(sum(case when not is_basket_skipped then baskets else 0 end), 0) as analysed_baskets,
        coalesce(sum(case when is_basket_skipped then baskets else 0 end), 0) as skipped_baskets,
        coalesce(sum(case when is_basket_skipped then basket_rows else 0 end), 0) as skipped_basket_products,
        coalesce(max(basket_products), 0) as largest_basket_products
    from basket_sizes
),

final as (
    select
        cast({{ kanta_as_of_date() }} as date) as as_of_date,
        cast(orders_with_lines as bigint) as orders_with_lines,
        cast(analysed_baskets as bigint) as analysed_baskets,
        cast(skipped_baskets as bigint) as skipped_baskets,
        cast(skipped_basket_products as bigint) as skipped_basket_products,
        cast(largest_basket_products as bigint) as largest_basket_products,
        -- var max_basket_lines: larger baskets are skipped (SPEC default 50).
        cast({{ var('max_basket_lines') }} as bigint) as max_basket_lines
    from totals
)

select * from final
