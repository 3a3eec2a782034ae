-- Lines of counted orders before as_of_date, with the buyer, the day and the product's category,
-- brand and line revenue, and whether the product counts as consumable for replenishment (SPEC
-- section 3: consumable products only where products.is_consumable exists). The one join of
-- lines with orders and products, as a view: int_order_products_basketed stores its baskets for
-- the line-level marts, and int_customer_categories aggregates it as it streams, so that
-- customer_facts never waits for 22M lines to be written (at 10M orders).
--
-- Lines and orders are joined on order_row_number, the order's row in the orders file, and the
-- order is kept as that number, not as its text id: at 10M orders and 22M lines, joining,
-- writing and later grouping the text ids cost more than the rest of the work together.
{{ config(materialized='view') }}

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

coded_products as (
    -- The catalogue with the number of each product's (category, brand) pair.
    {{ kanta_product_name_codes('products') }}
),

catalogue as (
    -- Does the catalogue say which products are consumable at all? Without an is_consumable
    -- column (or with no value in it) every product counts as consumable.
    select count(is_consumable) > 0 as has_consumable_flags
    from products
),

final as (
    select
        order_lines.order_row_number,
        orders.customer_id,
        orders.order_date,
        order_lines.product_id,
        coded_products.category,
        coded_products.brand,
        coded_products.category_brand_code,
        coalesce(order_lines.line_total, 0) as line_revenue,
        coalesce(coded_products.is_consumable, not catalogue.has_consumable_flags) as is_replenishable
    from order_lines
    inner join orders
        on order_lines.order_row_number = orders.order_row_number
    left join coded_products
        on order_lines.product_id = coded_products.product_id
    cross join catalogue
)

select * from final
