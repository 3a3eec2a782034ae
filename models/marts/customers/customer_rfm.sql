-- RFM scores and segment per buyer (SPEC section 3). Scores are tie-consistent quintiles, or
-- the fixed cut-offs of the seed rfm_score_thresholds for the metrics in the var
-- rfm_threshold_metrics; the segment comes from the editable seed rfm_segment_map.

{%- set threshold_metrics = var('rfm_threshold_metrics') %}

with

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

thresholds as (
    select * from {{ ref('rfm_score_thresholds') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

quintiles as (
    select
        customer_id,
        recency_days,
        order_count,
        total_revenue,
        {{ kanta_quintile_score('recency_days desc') }} as recency_quintile,
        {{ kanta_quintile_score('order_count asc') }} as frequency_quintile,
        {{ kanta_quintile_score('total_revenue asc') }} as monetary_quintile
    from customer_facts
),

threshold_scores as (
    select
        quintiles.customer_id,
        max(case when thresholds.metric = 'recency' then thresholds.score end) as recency_threshold,
        max(case when thresholds.metric = 'frequency' then thresholds.score end) as frequency_threshold,
        max(case when thresholds.metric = 'monetary' then thresholds.score end) as monetary_threshold
    from quintiles
    inner join thresholds
        on
            case thresholds.metric
                when 'recency' then quintiles.recency_days
                when 'frequency' then quintiles.order_count
                else quintiles.total_revenue
            end >= thresholds.min_value
            and (
                thresholds.max_value is null
                or case thresholds.metric
                    when 'recency' then quintiles.recency_days
                    when 'frequency' then quintiles.order_count
                    else quintiles.total_revenue
                end < thresholds.max_value
            )
    group by quintiles.customer_id
),

scored as (
    select
        quintiles.customer_id,
        quintiles.recency_days,
        quintiles.order_count,
        quintiles.total_revenue,
        case
            when {{ 'recency' in threshold_metrics }} then threshold_scores.recency_threshold
            else quintiles.recency_quintile
        end as r_score,
        case
            when {{ 'frequency' in threshold_metrics }} then threshold_scores.frequency_threshold
            else quintiles.frequency_quintile
        end as f_score,
        case
            when {{ 'monetary' in threshold_metrics }} then threshold_scores.monetary_threshold
            else quintiles.monetary_quintile
        end as m_score
    from quintiles
    left join threshold_scores
        on quintiles.customer_id = threshold_scores.customer_id
),

mapped as (
    select
        *,
        -- rfm_map_axis fm: round-half-up((f + m) / 2), in integers
        case
            when {{ var('rfm_map_axis') == 'fm' }} then cast(floor((f_score + m_score + 1) / 2) as integer)
            else f_score
        end as map_axis_score
    from scored
),

final as (
    select
        cast(mapped.customer_id as string) as customer_id,
        cast(mapped.recency_days as integer) as recency_days,
        cast(mapped.order_count as bigint) as frequency,
        cast(mapped.total_revenue as decimal(18, 2)) as monetary,
        cast(mapped.r_score as integer) as r_score,
        cast(mapped.f_score as integer) as f_score,
        cast(mapped.m_score as integer) as m_score,
        cast(
            cast(mapped.r_score as string) || cast(mapped.f_score as string) || cast(mapped.m_score as string)
            as string
        ) as rfm_code,
        cast(coalesce(segment_map.segment, 'unknown') as string) as rfm_segment
    from mapped
    left join segment_map
        on
            mapped.r_score = segment_map.r_score
            and mapped.map_axis_score = segment_map.f_score
)

select * from final
