-- Reactivation campaign results (SPEC section 3, campaign_results): per automation, wave and
-- due month, the customers who were due (int_reactivation_dues_evaluated: in that automation
-- and wave on their due_date, the rules evaluated as of that day), treated and control by the
-- hold-out, and what they bought in the conversion window: due_date <= order_date <
-- due_date + var conversion_window_days. Only windows that closed before as_of_date
-- (due_date + window <= as_of_date), so every conversion counted could have happened.

with

dues as (
    select * from {{ ref('int_reactivation_dues_evaluated') }}
),

orders as (
    select * from {{ ref('int_orders_counted') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

closed_dues as (
    select
        dues.customer_id,
        dues.automation,
        dues.wave,
        dues.due_date,
        dues.is_control,
        {{ kanta_add_days('dues.due_date', var('conversion_window_days')) }} as window_end_date
    from dues
    cross join as_of
    where {{ kanta_add_days('dues.due_date', var('conversion_window_days')) }} <= as_of.as_of_date
),

due_outcomes as (
    select
        closed_dues.customer_id,
        closed_dues.automation,
        closed_dues.wave,
        closed_dues.due_date,
        closed_dues.is_control,
        count(orders.order_id) > 0 as has_converted,
        coalesce(sum(orders.revenue), 0) as window_revenue
    from closed_dues
    left join orders
        on
            closed_dues.customer_id = orders.customer_id
            -- due_date <= order_date < due_date + window
            and closed_dues.due_date <= orders.order_date
            and closed_dues.window_end_date > orders.order_date
    group by
        closed_dues.customer_id,
        closed_dues.automation,
        closed_dues.wave,
        closed_dues.due_date,
        closed_dues.is_control
),

groups as (
    select
        automation,
        wave,
        {{ kanta_period_start('month', 'due_date') }} as due_month,
        sum(case when not is_control then 1 else 0 end) as treated_customers,
        sum(case when is_control then 1 else 0 end) as control_customers,
        sum(case when not is_control and has_converted then 1 else 0 end) as treated_conversions,
        sum(case when is_control and has_converted then 1 else 0 end) as control_conversions,
        sum(case when not is_control then window_revenue else 0 end) as treated_revenue,
        sum(case when is_control then window_revenue else 0 end) as control_revenue
    from due_outcomes
    group by
        automation,
        wave,
        {{ kanta_period_start('month', 'due_date') }}
),

rates as (
    select
        automation,
        wave,
        due_month,
        treated_customers,
        control_customers,
        treated_conversions,
        control_conversions,
        {{ kanta_safe_ratio('treated_conversions', 'treated_customers') }} as treated_conversion_rate,
        {{ kanta_safe_ratio('control_conversions', 'control_customers') }} as control_conversion_rate,
        {{ kanta_safe_ratio('treated_revenue', 'treated_customers') }} as treated_revenue_per_customer,
        {{ kanta_safe_ratio('control_revenue', 'control_customers') }} as control_revenue_per_customer
    from groups
),

lifts as (
    select
        rates.*,
        treated_conversion_rate - control_conversion_rate as absolute_lift,
        case
            when control_conversion_rate > 0
                then (treated_conversion_rate - control_conversion_rate) / control_conversion_rate
        end as relative_lift,
        -- from the unrounded revenue per customer of both groups
        treated_customers * (treated_revenue_per_customer - control_revenue_per_customer)
            as incremental_revenue,
        {{ kanta_proportion_difference_margin(
            'treated_conversion_rate',
            'treated_customers',
            'control_conversion_rate',
            'control_customers'
        ) }} as lift_margin
    from rates
),

final as (
    select
        cast(automation as string) as automation,
        cast(wave as int) as wave,
        cast(due_month as date) as due_month,
        cast(treated_customers as bigint) as treated_customers,
        cast(control_customers as bigint) as control_customers,
        cast(treated_conversions as bigint) as treated_conversions,
        cast(control_conversions as bigint) as control_conversions,
        cast(treated_conversion_rate as double) as treated_conversion_rate,
        cast(control_conversion_rate as double) as control_conversion_rate,
        {{ kanta_round_money('treated_revenue_per_customer') }} as treated_revenue_per_customer,
        {{ kanta_round_money('control_revenue_per_customer') }} as control_revenue_per_customer,
        cast(absolute_lift as double) as absolute_lift,
        cast(relative_lift as double) as relative_lift,
        {{ kanta_round_money('incremental_revenue') }} as incremental_revenue,
        cast(absolute_lift - lift_margin as double) as lift_ci_lower,
        cast(absolute_lift + lift_margin as double) as lift_ci_upper,
        cast(
            coalesce(absolute_lift - lift_margin > 0 or absolute_lift + lift_margin < 0, false)
            as boolean
        ) as is_significant
    from lifts
)

select * from final
