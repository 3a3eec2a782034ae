-- Distinct products of each counted order before as_of_date (its basket), with the buyer, the
-- day, the product's category and whether it counts as consumable (from int_order_lines_joined),
-- the basket's size in distinct products and whether it is skipped by the affinity marts:
-- baskets with more distinct products than the var max_basket_lines (SPEC default 50; wholesale
-- or test orders) are left out of pair counting. The order is its order_row_number (see
-- int_order_lines_joined).
--
-- The one stored table of order lines, for the line-level activation marts (affinities,
-- replenishment, life events, loyal favourites): each of them asks which products an order
-- or a buyer's day holds, never how many lines, so one row per (order, product) serves them
-- all. Storing the lines first and the baskets from them wrote 22M rows twice at 10M orders.
{{ config(materialized='table') }}

with

order_lines as {{ kanta_inlined_cte() }} (
    select * from {{ ref('int_order_lines_joined') }}
),

keyed_lines as {{ kanta_materialized_cte() }} (
    -- Computed once: the three reads below would each join the lines to orders and products.
    select
        order_row_number,
        customer_id,
        order_date,
        product_id,
        category,
        is_replenishable,
        {{ kanta_hash64('order_row_number, product_id') }} as pair_hash
    from order_lines
),

repeated_pairs as (
    -- Hashes of (order, product) that occur on more than one line: a product on several lines
    -- of its order, or (rarely) two pairs sharing a hash. A small set, often empty.
    {{ kanta_repeated_values('pair_hash', 'keyed_lines') }}
),

basket_products as (
    -- One row per order and product, however many lines the product has in the order. Only
    -- the lines whose pair hash repeats are grouped, exactly, by their values (the other
    -- columns follow from the order or the product); every other line is the only one of its
    -- pair already. Grouping all 22M lines of the 10M shop cost a second or two more.
    select
        order_row_number,
        customer_id,
        order_date,
        product_id,
        category,
        is_replenishable
    from keyed_lines
    where pair_hash not in (select repeated_pairs.repeated_value from repeated_pairs)
    union all
    select distinct
        order_row_number,
        customer_id,
        order_date,
        product_id,
        category,
        is_replenishable
    from keyed_lines
    where pair_hash in (select repeated_pairs.repeated_value from repeated_pairs)
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
        basket_products.customer_id,
        basket_products.order_date,
        basket_products.product_id,
        basket_products.category,
        basket_products.is_replenishable,
        basket_sizes.basket_products,
        -- var max_basket_lines: larger baskets are skipped (SPEC default 50).
        basket_sizes.basket_products > {{ var('max_basket_lines') }} as is_basket_skipped
    from basket_products
    inner join basket_sizes
        on basket_products.order_row_number = basket_sizes.order_row_number
)

select * from final
