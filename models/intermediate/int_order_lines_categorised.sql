-- int_order_lines_joined, stored with the columns the line-level activation marts read
-- (baskets, affinities, replenishment, life events, loyal favourites), which read these lines
-- several times over. Brand and line revenue stay in the view: no reader of the table needs
-- them, and at 22M lines writing them cost about 1 s of the 10M build.
{{ config(materialized='table') }}

with

joined_lines as (
    select * from {{ ref('int_order_lines_joined') }}
),

final as (
    select
        order_row_number,
        customer_id,
        order_date,
        product_id,
        category,
        is_replenishable
    from joined_lines
)

select * from final
