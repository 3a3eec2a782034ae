-- Changes of marketing consent, erased customers removed.

with

checked as (
    select * from {{ ref('base_shop__consent_events_checked') }}
),

final as (
    select
        customer_id,
        consent,
        changed_at
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
        and not is_erased
)

select * from final
