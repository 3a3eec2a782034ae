-- RFM scores and segment per buyer (SPEC section 3). Scores are tie-consistent quintiles, or
-- the fixed cut-offs of the seed rfm_score_thresholds for the metrics in the var
-- rfm_threshold_metrics; the segment comes from the editable seed rfm_segment_map
-- (see kanta_rfm_scores in macros/segments.sql).

with

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

scored as (
    {{ kanta_rfm_scores('customer_facts') }}
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(recency_days as integer) as recency_days,
        cast(order_count as bigint) as frequency,
        cast(total_revenue as decimal(18, 2)) as monetary,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score,
        cast(
            cast(r_score as string) || cast(f_score as string) || cast(m_score as string)
            as string
        ) as rfm_code,
        cast(rfm_segment as string) as rfm_segment
    from scored
)

select * from final
