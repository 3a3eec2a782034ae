-- The RFM segments that carry the most revenue of the last 365 days, with their size and
-- how many of their buyers can be reached by email. Copy into a BI tool or run with
-- `dbt compile --select top_segments_by_revenue` and paste the compiled SQL.

with

segment_summary as (
    select * from {{ ref('segment_summary') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

reachable as (
    select
        customer_segments.rfm_segment as segment,
        sum(case when customer_facts.is_marketable then 1 else 0 end) as marketable_customers
    from customer_segments
    inner join customer_facts
        on customer_segments.customer_id = customer_facts.customer_id
    group by customer_segments.rfm_segment
),

final as (
    select
        segment_summary.segment,
        segment_summary.customers,
        reachable.marketable_customers,
        segment_summary.revenue_last_365d,
        segment_summary.share_of_revenue
    from segment_summary
    inner join reachable
        on segment_summary.segment = reachable.segment
    where segment_summary.segmentation = 'rfm_segment'
    order by segment_summary.revenue_last_365d desc
    limit 10
)

select * from final
