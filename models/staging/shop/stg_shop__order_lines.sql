-- Every valid order line of a loaded order, erased customers' lines removed. A line names its
-- order by order_row_number (stg_shop__orders.order_row_number), not by the text order_id.

with

checked as (
    select * from {{ ref('base_shop__order_lines_checked') }}
),

final as (
    select
        order_row_number,
        product_id,
        quantity,
        line_total
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
        and not is_erased
)

select * from final
