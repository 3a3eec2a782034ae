-- "Bought this also bought" (SPEC section 3): pairs of products in the same basket (counted
-- order before as_of_date), with support, confidence and lift, ranked per product. Pairs in
-- fewer than var min_orders_together baskets are left out.
--
-- Baskets with more distinct products than var max_basket_lines are skipped (affinity_basket_stats
-- counts them) and left out of every count, denominators included, so that support, confidence
-- and lift describe one population: the analysed baskets. The pair counting is in
-- macros/basket_analysis.sql (kanta_affinity_ctes).

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

basket_stats as (
    select * from {{ ref('affinity_basket_stats') }}
),

items as (
    select
        order_row_number,
        product_id,
        basket_products
    from basket_products
    where not is_basket_skipped
),

pairable_items as (
    select
        order_row_number,
        product_id
    from items
    where basket_products >= 2
),

{{ kanta_affinity_ctes('items', 'product_id', basket_stats='basket_stats', pairable='pairable_items') }}

final as (
    select
        cast(item as string) as product_id,
        cast(other_item as string) as other_product_id,
        cast(orders_together as bigint) as orders_together,
        -- support: the name SPEC gives the column, a keyword to sqlfluff.
        cast(support as double) as support,  -- noqa: RF04
        cast(confidence as double) as confidence,
        cast(lift as double) as lift,
        cast(rank as integer) as rank,
        cast(item_orders as bigint) as product_orders,
        cast(other_item_orders as bigint) as other_product_orders,
        cast(baskets as bigint) as baskets
    from affinity_rules
)

select * from final
