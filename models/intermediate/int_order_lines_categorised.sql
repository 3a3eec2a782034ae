-- int_order_lines_joined, stored: the activation marts (baskets, affinities, replenishment,
-- life events, loyal favourites) read these lines several times over.
{{ config(materialized='table') }}

select * from {{ ref('int_order_lines_joined') }}
