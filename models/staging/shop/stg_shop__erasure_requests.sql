-- Customers who asked to be forgotten; their rows are removed everywhere else.

with

checked as (
    select * from {{ ref('base_shop__erasure_requests_checked') }}
),

final as (
    select
        customer_id,
        requested_at
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
)

select * from final
