-- Customers, typed and checked. Every raw row is kept with its quarantine reason (null when
-- valid); two different rows for one customer_id are both quarantined as conflicting.

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__customers') }}
),

erased_customers as (
    select * from {{ ref('base_shop__erased_customer_ids') }}
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('customers') }},
        {{ kanta_copy_group_hash('customers') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'customers') }}
),

classified as (
    select
        *,
        case
            {{ kanta_contract_reason_branches('customers') }}
            when is_conflicting then 'conflicting_duplicate'
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
        flagged.email,
        lower(trim(flagged.email)) as email_key,
        flagged.created_at,
        flagged.birth_year,
        flagged.gender,
        flagged.city,
        flagged.postcode,
        flagged.country,
        flagged.company_name,
        flagged.is_business,
        flagged.referred_by_customer_id,
        flagged.marketing_consent,
        -- The key the quarantine shows; only quarantined rows need it.
        case when flagged.quarantine_reason is not null then flagged.customer_id end as row_key,
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
        {{ kanta_quarantine_evidence('customers', relation='flagged') }}
    from flagged
    left join erased_customers
        on flagged.customer_id = erased_customers.customer_id
)

select * from final
