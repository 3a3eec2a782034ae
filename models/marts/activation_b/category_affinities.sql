-- "Bought this also bought" between product categories (SPEC section 3): product_affinities
-- one level up. A basket holds a category when it holds a product of it; lines of products
-- without a category are not counted. The baskets are those product_affinities analyses (the
-- same baskets are skipped, by their number of distinct products), and every one of them is in
-- the support denominator, categorised or not.

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

analysed as (
    select
        order_id,
        category
    from basket_products
    where not is_basket_skipped
),

baskets as (
    select count(distinct order_id) as baskets
    from analysed
),

items as (
    select distinct
        order_id,
        category
    from analysed
    where category is not null
),

{{ kanta_affinity_ctes('items', 'category', baskets='baskets') }}

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
