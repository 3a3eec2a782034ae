-- Erasure requests, typed and checked. Every raw row is kept, with the reason it is
-- quarantined (null when valid) and whether it is an extra copy of an identical row.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__erasure_requests') }}
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('erasure_requests') }},
        {{ kanta_copy_group_hash('erasure_requests') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'erasure_requests') }}
),

classified as (
    select
        *,
        case
            {{ kanta_contract_reason_branches('erasure_requests') }}
        end as quarantine_reason
    from copies
),

final as (
    select
        customer_id,
        requested_at,
        customer_id as row_key,
        quarantine_reason,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate,
        false as is_erased,
        file_row_number,
        line_number,
        {{ kanta_quarantine_evidence('erasure_requests') }}
    from classified
)

select * from final
