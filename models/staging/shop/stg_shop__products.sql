-- The product catalogue, one row per product_id.

with

checked as (
    select * from {{ ref('base_shop__products_checked') }}
),

final as (
    select
        product_id,
        product_name,
        category,
        brand,
        is_consumable
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
)

select * from final
