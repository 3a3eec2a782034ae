-- The baskets behind product_affinities and category_affinities (SPEC section 3): how many
-- counted orders before as_of_date have lines, how many were analysed, and how many were skipped
-- for holding more distinct products than var max_basket_lines. One row.

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

baskets as (
    select
        order_id,
        max(basket_products) as basket_products,
        {{ kanta_bool_or('is_basket_skipped') }} as is_basket_skipped
    from basket_products
    group by order_id
),

totals as (
    select
        count(*) as orders_with_lines,
        coalesce(sum(case when not is_basket_skipped then 1 else 0 end), 0) as analysed_baskets,
        coalesce(sum(case when is_basket_skipped then 1 else 0 end), 0) as skipped_baskets,
        coalesce(sum(case when is_basket_skipped then basket_products else 0 end), 0) as skipped_basket_products,
        coalesce(max(basket_products), 0) as largest_basket_products
    from baskets
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
