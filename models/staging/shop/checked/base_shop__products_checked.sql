-- Products, typed and checked. Every raw row is kept with its quarantine reason (null when
-- valid); two different rows for one product_id are both quarantined as conflicting.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__products') }}
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('products') }},
        {{ kanta_copy_group_hash('products', key_column='product_id') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'products', key_column='product_id') }}
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
        -- Constant per file: kept only where the quarantine shows it.
        case when quarantine_reason is not null then source_file end as source_file,
        case when quarantine_reason is not null then {{ kanta_raw_values('products') }} end as raw_values
    from classified
)

select * from final
