-- Order lines, typed and checked. Every raw row is kept with its quarantine reason (null when
-- valid). A line needs a loaded order: lines of quarantined orders and lines whose order is in
-- no orders row are quarantined; lines of erased orders are erased with them.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__order_lines') }}
),

orders as (
    select * from {{ ref('base_shop__orders_checked') }}
),

order_ids as (
    -- Every order id the orders file holds, what became of it, and the file row of its loaded
    -- row (the order_row_number the intermediate models join lines and orders on).
    select
        order_id,
        {{ kanta_bool_or('quarantine_reason is null') }} as has_valid_row,
        {{ kanta_bool_or('is_erased') }} as is_erased,
        min(
            case when quarantine_reason is null and not is_collapsed_duplicate then file_row_number end
        ) as order_row_number
    from orders
    where order_id is not null
    group by order_id
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('order_lines') }},
        {{ kanta_copy_group_hash('order_lines') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'order_lines') }}
),

checked_alone as (
    select
        *,
        case
            {{ kanta_contract_reason_branches('order_lines') }}
            when line_total < 0 then 'negative_total'
            when quantity < 0 then 'negative_quantity'
        end as line_reason
    from copies
),

classified as (
    select
        checked_alone.*,
        order_ids.is_erased as is_order_erased,
        order_ids.order_row_number,
        case
            when checked_alone.line_reason is not null then checked_alone.line_reason
            when order_ids.order_id is null then 'line_without_order'
            when not order_ids.has_valid_row then 'order_quarantined'
        end as quarantine_reason
    from checked_alone
    left join order_ids
        on checked_alone.order_id = order_ids.order_id
),

flagged as (
    select
        *,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate
    from classified
),

final as (
    select
        order_id,
        product_id,
        quantity,
        line_total,
        order_row_number,
        -- The key the quarantine shows; only quarantined rows need it.
        case
            when quarantine_reason is not null
                then coalesce(order_id, '') || ' / ' || coalesce(product_id, '')
        end as row_key,
        quarantine_reason,
        is_collapsed_duplicate,
        coalesce(quarantine_reason is null and not is_collapsed_duplicate and is_order_erased, false) as is_erased,
        file_row_number,
        line_number,
        {{ kanta_quarantine_evidence('order_lines') }}
    from flagged
)

select * from final
