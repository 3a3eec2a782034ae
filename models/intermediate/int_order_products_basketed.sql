-- Distinct products of each counted order with lines (its basket; the order is its
-- order_row_number, see int_order_lines_categorised), with the basket's size and
-- whether it is skipped by the affinity marts: baskets with more distinct products than the var
-- max_basket_lines (SPEC default 50; wholesale or test orders) are left out of pair counting.
{{ config(materialized='table') }}

with

order_lines as (
    select * from {{ ref('int_order_lines_categorised') }}
),

basket_products as (
    -- One row per order and product, however many lines the product has in the order.
    select distinct
        order_row_number,
        product_id,
        category
    from order_lines
),

basket_sizes as (
    select
        order_row_number,
        count(*) as basket_products
    from basket_products
    group by order_row_number
),

final as (
    select
        basket_products.order_row_number,
        basket_products.product_id,
        basket_products.category,
        basket_sizes.basket_products,
        -- var max_basket_lines: larger baskets are skipped (SPEC default 50).
        basket_sizes.basket_products > {{ var('max_basket_lines') }} as is_basket_skipped
    from basket_products
    inner join basket_sizes
        on basket_products.order_row_number = basket_sizes.order_row_number
)

select * from final
