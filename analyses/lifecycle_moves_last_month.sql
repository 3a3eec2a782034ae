-- How customers moved between lifecycle stages from the previous month's snapshot to the
-- latest one: the win-back funnel at a glance.

with

segment_migrations as (
    select * from {{ ref('segment_migrations') }}
),

latest as (
    select max(snapshot_date) as snapshot_date
    from segment_migrations
),

final as (
    select
        segment_migrations.from_segment,
        segment_migrations.to_segment,
        segment_migrations.customers
    from segment_migrations
    inner join latest
        on segment_migrations.snapshot_date = latest.snapshot_date
    where segment_migrations.segmentation = 'lifecycle_stage'
    order by segment_migrations.customers desc
)

select * from final
