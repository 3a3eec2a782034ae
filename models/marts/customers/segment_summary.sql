-- Size, revenue and shares of every segment of every segmentation (SPEC section 3).

{%- set segmentations = [
    'rfm_segment', 'lifecycle_stage', 'value_group', 'maturity', 'repurchase_status',
    'customer_type', 'age_band', 'gender', 'city', 'favourite_category',
] %}

with

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

buyers as (
    select
        customer_segments.*,
        customer_facts.order_count,
        customer_facts.total_revenue,
        customer_facts.revenue_last_365d
    from customer_segments
    inner join customer_facts
        on customer_segments.customer_id = customer_facts.customer_id
),

segment_rows as (
    {%- for segmentation in segmentations %}
    select
        '{{ segmentation }}' as segmentation,
        {{ segmentation }} as segment,
        count(*) as customers,
        sum(order_count) as orders,
        sum(total_revenue) as revenue,
        sum(revenue_last_365d) as revenue_last_365d
    from buyers
    group by {{ segmentation }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

totals as (
    select
        count(*) as customers,
        sum(total_revenue) as revenue
    from buyers
),

final as (
    select
        cast(segment_rows.segmentation as string) as segmentation,
        cast(segment_rows.segment as string) as segment,
        cast(segment_rows.customers as bigint) as customers,
        cast(segment_rows.customers / cast(totals.customers as double) as double) as share_of_customers,
        cast(segment_rows.revenue as decimal(18, 2)) as revenue,
        cast(
            case
                when totals.revenue > 0
                    then cast(segment_rows.revenue as double) / cast(totals.revenue as double)
            end as double
        ) as share_of_revenue,
        cast(segment_rows.revenue_last_365d as decimal(18, 2)) as revenue_last_365d,
        {{ kanta_money_ratio('segment_rows.revenue', 'segment_rows.orders') }} as avg_order_value,
        cast(segment_rows.customers < {{ var('min_segment_size') }} as boolean) as is_too_small,
        cast(segment_rows.orders as bigint) as orders
    from segment_rows
    cross join totals
)

select * from final
