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

loaded_orders as (
    -- The loaded row of each order id (at most one: the rows of an id with a valid row are
    -- all exact copies of it, and only the first copy is loaded), whether it is erased, and its
    -- file row: the order_row_number the intermediate models join lines and orders on.
    select
        order_id,
        is_erased,
        file_row_number as order_row_number
    from orders
    where quarantine_reason is null and not is_collapsed_duplicate
),

quarantined_order_ids as (
    -- Order ids held by quarantined orders rows (a small set; an id that also has a loaded
    -- row is matched by loaded_orders first).
    select distinct order_id
    from orders
    where quarantine_reason is not null and order_id is not null
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
        loaded_orders.is_erased as is_order_erased,
        loaded_orders.order_row_number,
        case
            when checked_alone.line_reason is not null then checked_alone.line_reason
            when loaded_orders.order_id is not null then null
            when quarantined_order_ids.order_id is not null then 'order_quarantined'
            else 'line_without_order'
        end as quarantine_reason
    from checked_alone
    left join loaded_orders
        on checked_alone.order_id = loaded_orders.order_id
    left join quarantined_order_ids
        on checked_alone.order_id = quarantined_order_ids.order_id
),

flagged as (
    select
        *,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate
    from classified
),

final as (
    select
        -- Only quarantined lines keep their text order id (for the quarantine); a loaded line
        -- reaches its order by order_row_number. At 23M lines, writing the ids again cost about
        -- 1.5 s of the 10M build.
        case when quarantine_reason is not null then order_id end as order_id,
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
