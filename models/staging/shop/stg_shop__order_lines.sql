-- Every valid order line of a loaded order, erased customers' lines removed.

with

checked as (
    select * from {{ ref('base_shop__order_lines_checked') }}
),

final as (
    select
        order_id,
        product_id,
        quantity,
        line_total,
        order_row_number
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
        and not is_erased
)

select * from final
