-- "Bought this also bought" between product categories (SPEC section 3): product_affinities
-- one level up. A basket holds a category when it holds a product of it; lines of products
-- without a category are not counted. The baskets are those product_affinities analyses (the
-- same baskets are skipped, by their number of distinct products), and every one of them is in
-- the support denominator, categorised or not.

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

basket_stats as (
    select * from {{ ref('affinity_basket_stats') }}
),

items as (
    -- One row per analysed basket and category; is_pairable: the basket holds two or more
    -- products, so the category may pair with another one.
    select
        order_row_number,
        category,
        max(basket_products) >= 2 as is_pairable
    from basket_products
    where
        not is_basket_skipped
        and category is not null
    group by
        order_row_number,
        category
),

pairable_items as (
    select
        order_row_number,
        category
    from items
    where is_pairable
),

{{ kanta_affinity_ctes('items', 'category', basket_stats='basket_stats', pairable='pairable_items') }}

final as (
    select
        cast(item as string) as category,
        cast(other_item as string) as other_category,
        cast(orders_together as bigint) as orders_together,
        -- support: the name SPEC gives the column, a keyword to sqlfluff.
        cast(support as double) as support,  -- noqa: RF04
        cast(confidence as double) as confidence,
        cast(lift as double) as lift,
        cast(rank as integer) as rank,
        cast(item_orders as bigint) as category_orders,
        cast(other_item_orders as bigint) as other_category_orders,
        cast(baskets as bigint) as baskets
    from affinity_rules
)

select * from final
