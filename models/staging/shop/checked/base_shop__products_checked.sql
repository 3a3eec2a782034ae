-- Products, typed and checked. Every raw row is kept with its quarantine reason (null when
-- valid); two different rows for one product_id are both quarantined as conflicting.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__products') }}
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('products') }},
        {{ kanta_copy_group_hash('products') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'products') }}
),

classified as (
    select
        *,
        case
            {{ kanta_contract_reason_branches('products') }}
            when is_conflicting then 'conflicting_duplicate'
        end as quarantine_reason
    from copies
),

final as (
    select
        product_id,
        product_name,
        lower(category) as category,
        brand,
        is_consumable,
        product_id as row_key,
        quarantine_reason,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate,
        false as is_erased,
        file_row_number,
        line_number,
        {{ kanta_quarantine_evidence('products') }}
    from classified
)

select * from final
