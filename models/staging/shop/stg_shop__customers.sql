-- Registered customers, one row per customer_id, erased customers removed.

with

checked as (
    select * from {{ ref('base_shop__customers_checked') }}
),

final as (
    select
        customer_id,
        email,
        email_key,
        created_at,
        birth_year,
        gender,
        city,
        postcode,
        country,
        company_name,
        is_business,
        referred_by_customer_id,
        marketing_consent
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
        and not is_erased
)

select * from final
