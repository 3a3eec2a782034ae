-- Every valid order (counted or not), one row per order_id, erased customers removed.

with

checked as (
    select * from {{ ref('base_shop__orders_checked') }}
),

final as (
    select
        order_id,
        customer_id,
        customer_email,
        is_guest,
        ordered_at,
        cast(ordered_at as date) as order_date,
        status,
        is_counted,
        order_total,
        refunded_total,
        shipping_total,
        tax_total,
        revenue,
        coupon_code,
        shipping_city,
        shipping_postcode,
        billing_city,
        file_row_number as order_row_number
    from checked
    where
        quarantine_reason is null
        and not is_collapsed_duplicate
        and not is_erased
)

select * from final
