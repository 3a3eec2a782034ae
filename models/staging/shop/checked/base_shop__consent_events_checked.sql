-- Consent changes, typed and checked. Every raw row is kept with its quarantine reason (null
-- when valid); events of erased customers are flagged for removal.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__consent_events') }}
),

erased_customers as (
    select * from {{ ref('base_shop__erased_customer_ids') }}
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('consent_events') }},
        {{ kanta_copy_group_hash('consent_events') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'consent_events') }}
),

classified as (
    select
        *,
        case
            {{ kanta_contract_reason_branches('consent_events') }}
        end as quarantine_reason
    from copies
),

flagged as (
    select
        *,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate
    from classified
),

final as (
    select
        flagged.customer_id,
        flagged.consent,
        flagged.changed_at,
        flagged.customer_id as row_key,
        flagged.quarantine_reason,
        flagged.is_collapsed_duplicate,
        coalesce(
            flagged.quarantine_reason is null
            and not flagged.is_collapsed_duplicate
            and erased_customers.customer_id is not null,
            false
        ) as is_erased,
        flagged.file_row_number,
        flagged.line_number,
        {{ kanta_quarantine_evidence('consent_events', relation='flagged') }}
    from flagged
    left join erased_customers
        on flagged.customer_id = erased_customers.customer_id
)

select * from final
