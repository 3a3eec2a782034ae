-- The customers to forget: every customer_id of a valid erasure request. Their rows are
-- flagged is_erased in the checked models and removed from staging.

with

erasure_requests as (
    select * from {{ ref('base_shop__erasure_requests_checked') }}
),

final as (
    select distinct customer_id
    from erasure_requests
    where quarantine_reason is null
)

select * from final
