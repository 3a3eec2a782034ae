-- Period-over-period retention per grain (week from Monday, month, quarter, year): buyers of
-- each period, how many bought again in the next period, how many had bought before, and how
-- many were new. One row per grain and period from the first order's period to the period of
-- as_of_date - 1 day (the last day counted), periods without buyers included with null rates.
-- retention_rate is given only once the next period is complete: its exclusive end <=
-- as_of_date (SPEC section 3, retention_rates).

with

customer_periods as (
    select * from {{ ref('int_customer_periods_active') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

first_periods as (
    select
        period_grain,
        min(period_start) as first_period_start
    from customer_periods
    group by period_grain
),

period_spine as (
    {%- for grain in kanta_period_grains() %}
    select
        first_periods.period_grain,
        {{ kanta_date_spine(
            grain,
            'first_periods.first_period_start',
            kanta_period_start(grain, kanta_add_days('as_of.as_of_date', -1))
        ) }} as period_start
    from first_periods
    cross join as_of
    where first_periods.period_grain = '{{ grain }}'
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

periods as (
    select
        period_spine.period_grain,
        period_spine.period_start,
        {{ kanta_add_periods('period_spine.period_grain', 'period_spine.period_start', 2) }}
            as next_period_end,
        as_of.as_of_date
    from period_spine
    cross join as_of
),

customer_periods_flagged as (
    select
        this_period.period_grain,
        this_period.period_start,
        this_period.customer_id,
        next_period.customer_id is not null as is_retained,
        this_period.first_period_start < this_period.period_start as is_returning
    from customer_periods as this_period
    left join customer_periods as next_period
        on
            this_period.customer_id = next_period.customer_id
            and this_period.period_grain = next_period.period_grain
            and this_period.next_period_start = next_period.period_start
),

period_customers as (
    select
        period_grain,
        period_start,
        count(*) as customers,
        sum(case when is_retained then 1 else 0 end) as retained_customers,
        sum(case when is_returning then 1 else 0 end) as returning_customers,
        sum(case when is_returning then 0 else 1 end) as new_customers
    from customer_periods_flagged
    group by
        period_grain,
        period_start
),

period_counts as (
    select
        periods.period_grain,
        periods.period_start,
        periods.next_period_end <= periods.as_of_date as is_next_period_complete,
        coalesce(period_customers.customers, 0) as customers,
        coalesce(period_customers.retained_customers, 0) as retained_customers,
        coalesce(period_customers.returning_customers, 0) as returning_customers,
        coalesce(period_customers.new_customers, 0) as new_customers
    from periods
    left join period_customers
        on
            periods.period_grain = period_customers.period_grain
            and periods.period_start = period_customers.period_start
),

final as (
    select
        cast(period_grain as string) as period_grain,
        cast(period_start as date) as period_start,
        cast(customers as bigint) as customers,
        cast(retained_customers as bigint) as retained_customers,
        cast(
            case
                when customers > 0 and is_next_period_complete
                    then cast(retained_customers as double) / cast(customers as double)
            end as double
        ) as retention_rate,
        cast(returning_customers as bigint) as returning_customers,
        cast(
            case
                when customers > 0
                    then cast(returning_customers as double) / cast(customers as double)
            end as double
        ) as returning_customer_rate,
        cast(new_customers as bigint) as new_customers
    from period_counts
)

select * from final
