-- The RFM segment and lifecycle stage of every buyer on the first day of each of the last
-- history_months months, exactly as a build with as_of_date = that day would give them
-- (SPEC section 3): only orders before the day, scores ranked among that day's buyers.

with

states as (
    select * from {{ ref('int_customer_snapshot_states') }}
),

scored as (
    {{ kanta_rfm_scores('states', partition_by='snapshot_date') }}
),

final as (
    select
        cast(customer_id as string) as customer_id,
        cast(snapshot_date as date) as snapshot_date,
        cast(rfm_segment as string) as rfm_segment,
        cast({{ kanta_lifecycle_stage('order_count', 'total_revenue', 'recency_days', 'tenure_days') }} as string)
            as lifecycle_stage,
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(m_score as integer) as m_score
    from scored
)

select * from final
