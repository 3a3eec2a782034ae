-- Win-back audience (SPEC section 3, reactivation_audience): every buyer in a reactivation
-- automation and wave as of as_of_date, one automation per customer, with is_marketable and
-- the hold-out flag is_control. The rules are kanta_reactivation_assignments
-- (macros/activation.sql), which campaign_results evaluates as of past due dates; the waves
-- and priorities are the seed reactivation_waves.

with

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

buyers as (
    select
        customer_facts.customer_id,
        customer_facts.first_order_date,
        customer_facts.last_order_date,
        customer_facts.order_count,
        customer_facts.is_marketable,
        customer_segments.is_vip,
        customer_segments.lifecycle_stage,
        {{ kanta_as_of_date() }} as as_of_date
    from customer_facts
    inner join customer_segments
        on customer_facts.customer_id = customer_segments.customer_id
),

assigned as (
    {{ kanta_reactivation_assignments('buyers', as_of_date='buyers.as_of_date') }}
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(automation as string) as automation,
        cast(wave as integer) as wave,
        cast(due_date as date) as due_date,
        cast(is_marketable as boolean) as is_marketable,
        cast({{ kanta_is_control('customer_id', 'automation') }} as boolean) as is_control,
        cast(priority as integer) as priority,
        cast(first_order_date as date) as first_order_date,
        cast(last_order_date as date) as last_order_date,
        cast(order_count as bigint) as order_count,
        cast(lifecycle_stage as string) as lifecycle_stage
    from assigned
)

select * from final
