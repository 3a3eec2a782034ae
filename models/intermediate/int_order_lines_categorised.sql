-- int_order_lines_joined, stored: the activation marts (baskets, affinities, replenishment,
-- life events, loyal favourites) read these lines several times over.
{{ config(materialized='table') }}

with

joined_lines as (
    select * from {{ ref('int_order_lines_joined') }}
),

final as (
    select * from joined_lines
)

select * from final
