-- Flows between consecutive snapshots of segment_history, per segmentation (SPEC section 3):
-- for every snapshot but the first, how many customers went from each segment to each other,
-- staying customers included (from = to) and entering customers with from_segment null.

{%- set segmentations = ['rfm_segment', 'lifecycle_stage'] %}

with

history as (
    select * from {{ ref('segment_history') }}
),

snapshots as (
    select
        snapshot_date,
        lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date
    from (select distinct snapshot_date from history) as snapshot_dates
),

transitions as (
    select
        current_state.snapshot_date,
        previous_state.rfm_segment as from_rfm_segment,
        current_state.rfm_segment as to_rfm_segment,
        previous_state.lifecycle_stage as from_lifecycle_stage,
        current_state.lifecycle_stage as to_lifecycle_stage
    from history as current_state
    inner join snapshots
        on current_state.snapshot_date = snapshots.snapshot_date
    left join history as previous_state
        on
            current_state.customer_id = previous_state.customer_id
            and snapshots.previous_snapshot_date = previous_state.snapshot_date
    where snapshots.previous_snapshot_date is not null
),

flows as (
    {%- for segmentation in segmentations %}
    select
        snapshot_date,
        '{{ segmentation }}' as segmentation,
        from_{{ segmentation }} as from_segment,
        to_{{ segmentation }} as to_segment,
        count(*) as customers
    from transitions
    group by snapshot_date, from_{{ segmentation }}, to_{{ segmentation }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        cast(snapshot_date as date) as snapshot_date,
        cast(segmentation as string) as segmentation,
        cast(from_segment as string) as from_segment,
        cast(to_segment as string) as to_segment,
        cast(customers as bigint) as customers
    from flows
)

select * from final
