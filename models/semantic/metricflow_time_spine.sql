-- The day spine MetricFlow joins metrics to (one row per day): from the Monday of the week of
-- the first counted order to the end of the week a year after as_of_date, so that dates of
-- upcoming reminders and due dates also fall on the spine. Built from whole weeks with
-- kanta_date_spine, then the seven days of each week.

with

orders as (
    select * from {{ ref('int_orders_counted') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

bounds as (
    select
        {{ kanta_period_start('week', 'min(orders.order_date)') }} as first_week_start,
        {{ kanta_period_start('week', kanta_add_days('max(as_of.as_of_date)', 365)) }} as last_week_start
    from orders
    cross join as_of
),

weeks as (
    select
        {{ kanta_date_spine('week', 'first_week_start', 'last_week_start') }} as week_start
    from bounds
),

weekdays as (
    select day_offsets.day_offset
    from (values (0), (1), (2), (3), (4), (5), (6)) as day_offsets (day_offset)
),

final as (
    select
        cast({{ kanta_add_days('weeks.week_start', 'weekdays.day_offset') }} as date) as date_day
    from weeks
    cross join weekdays
)

select * from final
