-- Monthly cohort grid: per cohort (month of the first counted order) and month since then, the
-- customers of the cohort who bought, their revenue and the cumulative revenue per customer.
-- Every month from the cohort's first to the month of as_of_date - 1 day (the last day
-- counted) is present; months with nobody active have 0 (SPEC section 3, cohort_retention).

with

customer_months as (
    select * from {{ ref('int_customer_months_active') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

cohorts as (
    select
        cohort_month,
        count(distinct customer_id) as cohort_size
    from customer_months
    group by cohort_month
),

month_grid as (
    select
        cohorts.cohort_month,
        cohorts.cohort_size,
        {{ kanta_date_spine(
            'month',
            'cohorts.cohort_month',
            kanta_period_start('month', kanta_add_days('as_of.as_of_date', -1))
        ) }} as activity_month
    from cohorts
    cross join as_of
),

cohort_activity as (
    select
        cohort_month,
        months_since_first,
        count(distinct customer_id) as active_customers,
        sum(revenue) as revenue
    from customer_months
    group by
        cohort_month,
        months_since_first
),

cells as (
    select
        month_grid.cohort_month,
        {{ kanta_calendar_months_between('month_grid.cohort_month', 'month_grid.activity_month') }}
            as months_since_first,
        month_grid.cohort_size
    from month_grid
),

cells_filled as (
    select
        cells.cohort_month,
        cells.months_since_first,
        cells.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue
    from cells
    left join cohort_activity
        on
            cells.cohort_month = cohort_activity.cohort_month
            and cells.months_since_first = cohort_activity.months_since_first
),

cumulated as (
    select
        cohort_month,
        months_since_first,
        cohort_size,
        active_customers,
        revenue,
        sum(revenue) over (
            partition by cohort_month
            order by months_since_first
            rows between unbounded preceding and current row
        ) as cumulative_revenue
    from cells_filled
),

final as (
    select
        cast(cohort_month as date) as cohort_month,
        cast(months_since_first as int) as months_since_first,
        cast(cohort_size as bigint) as cohort_size,
        cast(active_customers as bigint) as active_customers,
        cast(active_customers as double) / cast(cohort_size as double) as retention_rate,
        cast(revenue as decimal(18, 2)) as revenue,
        {{ kanta_money_ratio('cumulative_revenue', 'cohort_size') }} as cumulative_revenue_per_customer
    from cumulated
)

select * from final
