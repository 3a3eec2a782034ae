-- Orders, typed and checked (SPEC section 2). Every raw row is kept with its quarantine reason
-- (null when valid). Guest checkouts get their buyer here: the registered customer with the
-- same email, else a stable guest identity. Revenue and the counted-order flag are derived
-- here so that staging, the quarantine and the reconciliation agree on them.

{%- set counted_statuses = var('counted_order_statuses') | map('lower') | map('trim') | list %}

with

raw_rows as {{ kanta_inlined_cte() }} (
    select * from {{ ref('base_shop__orders') }}
),

customers as (
    select * from {{ ref('base_shop__customers_checked') }}
),

erased_customers as (
    select * from {{ ref('base_shop__erased_customer_ids') }}
),

customer_emails as (
    -- One registered customer per email; the lowest id when several share one.
    select
        email_key,
        min(customer_id) as customer_id
    from customers
    where
        quarantine_reason is null
        and email_key is not null
        and email_key <> ''
    group by email_key
),

parsed as {{ kanta_inlined_cte() }} (
    select
        {{ kanta_parsed_columns('orders') }},
        {{ kanta_copy_group_hash('orders') }} as copy_group_hash
    from raw_rows
),

copies as (
    {{ kanta_copy_flags('parsed', 'orders') }}
),

classified as (
    select
        *,
        case
            {{ kanta_contract_reason_branches(
                'orders',
                missing_key_also='customer_id is null and customer_email is null',
            ) }}
            when
                order_total < 0
                or refunded_total < 0
                or shipping_total < 0
                or tax_total < 0
                then 'negative_total'
            when refunded_total > order_total then 'refund_exceeds_total'
            when is_conflicting then 'conflicting_duplicate'
        end as quarantine_reason
    from copies
),

flagged as (
    select
        *,
        {{ kanta_is_collapsed_copy() }} as is_collapsed_duplicate,
        -- Only guest checkouts (no customer_id) are matched by email.
        case when customer_id is null then lower(customer_email) end as email_key
    from classified
),

resolved as (
    select
        flagged.*,
        coalesce(
            flagged.customer_id,
            customer_emails.customer_id,
            'guest_' || left({{ kanta_sha256('flagged.email_key') }}, 16)
        ) as buyer_id,
        flagged.customer_id is null and customer_emails.customer_id is null as is_guest
    from flagged
    left join customer_emails
        on flagged.email_key = customer_emails.email_key
),

final as (
    select
        resolved.order_id,
        case when resolved.quarantine_reason is null then resolved.buyer_id end as customer_id,
        resolved.customer_email,
        resolved.is_guest,
        resolved.ordered_at,
        lower(resolved.status) as status,
        case
            when resolved.missing_columns like '%,status,%' then true
            else
                coalesce(
                    lower(resolved.status) in ({{ kanta_sql_list(counted_statuses) }}),
                    false
                )
        end as is_counted,
        resolved.order_total,
        coalesce(resolved.refunded_total, 0) as refunded_total,
        coalesce(resolved.shipping_total, 0) as shipping_total,
        coalesce(resolved.tax_total, 0) as tax_total,
        resolved.order_total
        - coalesce(resolved.refunded_total, 0)
        {%- if var('exclude_shipping_and_tax') %}
        - coalesce(resolved.shipping_total, 0)
        - coalesce(resolved.tax_total, 0)
        {%- endif %} as revenue,
        resolved.coupon_code,
        resolved.shipping_city,
        resolved.shipping_postcode,
        resolved.billing_city,
        -- The key the quarantine shows; only quarantined rows need it.
        case
            when resolved.quarantine_reason is not null
                then
                    coalesce(resolved.order_id, '')
                    || ' / '
                    || coalesce(resolved.customer_id, resolved.customer_email, '')
        end as row_key,
        resolved.quarantine_reason,
        resolved.is_collapsed_duplicate,
        coalesce(
            resolved.quarantine_reason is null
            and not resolved.is_collapsed_duplicate
            and erased_customers.customer_id is not null,
            false
        ) as is_erased,
        resolved.file_row_number,
        resolved.line_number,
        {{ kanta_quarantine_evidence('orders', relation='resolved') }}
    from resolved
    left join erased_customers
        on resolved.buyer_id = erased_customers.customer_id
)

select * from final
