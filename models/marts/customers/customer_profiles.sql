-- Every known customer, buyers and prospects alike (SPEC section 3): the customers file and
-- every buyer of a valid order, erased customers removed. No raw email: only its SHA-256.

with

attributes as (
    select * from {{ ref('int_customer_attributes') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

final as (
    select
        cast(attributes.customer_id as string) as customer_id,
        cast(customer_segments.customer_id is not null as boolean) as has_ordered,
        cast(coalesce(customer_segments.lifecycle_stage, 'prospect') as string) as lifecycle_stage,
        cast(attributes.is_marketable as boolean) as is_marketable,
        cast({{ kanta_sha256('attributes.email_key') }} as string) as email_sha256,
        cast(attributes.is_registered as boolean) as is_registered
    from attributes
    left join customer_segments
        on attributes.customer_id = customer_segments.customer_id
)

select * from final
