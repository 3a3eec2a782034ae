-- The seed rfm_segment_map must map each of the 25 (r_score, f_score) cells to exactly one
-- segment: returns every cell with no segment or with more than one.

with

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

scores as (
    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score
),

cells as (
    select
        r.score as r_score,
        f.score as f_score
    from scores as r
    cross join scores as f
),

final as (
    select
        cells.r_score,
        cells.f_score,
        count(segment_map.segment) as segments
    from cells
    left join segment_map
        on
            cells.r_score = segment_map.r_score
            and cells.f_score = segment_map.f_score
    group by cells.r_score, cells.f_score
    having count(segment_map.segment) <> 1
)

select * from final
