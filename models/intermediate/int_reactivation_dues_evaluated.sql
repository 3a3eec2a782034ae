-- Every reactivation wave a buyer actually reached on its due day, up to as_of_date: the
-- automation and wave of kanta_reactivation_assignments (the rules of reactivation_audience)
-- evaluated as if as_of_date were the due_date, on orders before that day only, with the
-- hold-out flag. campaign_results measures these.
--
-- Due dates follow from order dates, so no day of history is looped over. While a state of
-- int_customer_states_accumulated holds (last_order_date < day <= next_order_date), a wave
-- can only fall due on last_order_date + k months (k a wave of the seed reactivation_waves)
-- or, for new_at_risk, on first_order_date + var new_max_tenure_days. The rules run on those
-- candidate days only, with is_vip and lifecycle_stage as of the day, and a candidate is kept
-- when the wave assigned on that day is due on that very day: a customer counts once per wave
-- reached, on the day it was reached.

with

states as (
    select * from {{ ref('int_customer_states_accumulated') }}
),

waves as (
    select * from {{ ref('reactivation_waves') }}
),

as_of as (
    select {{ kanta_as_of_date() }} as as_of_date
),

candidate_dates as (
    select
        states.customer_id,
        states.first_order_date,
        states.last_order_date,
        states.order_count,
        states.total_revenue,
        states.next_order_date,
        case
            when waves.automation = 'new_at_risk'
                then {{ kanta_add_days('states.first_order_date', var('new_max_tenure_days')) }}
            else {{ kanta_add_months('states.last_order_date', 'waves.wave') }}
        end as evaluation_date
    from states
    cross join waves
),

candidates_in_state as (
    -- distinct: waves of two automations may fall on the same day (vip_lapsing 6, passive 6)
    select distinct
        candidate_dates.customer_id,
        candidate_dates.first_order_date,
        candidate_dates.last_order_date,
        candidate_dates.order_count,
        candidate_dates.total_revenue,
        candidate_dates.evaluation_date
    from candidate_dates
    cross join as_of
    where
        candidate_dates.evaluation_date > candidate_dates.last_order_date
        -- an order on the day itself is not yet seen on that day (orders before it only)
        and (
            candidate_dates.next_order_date is null
            or candidate_dates.evaluation_date <= candidate_dates.next_order_date
        )
        and candidate_dates.evaluation_date <= as_of.as_of_date
),

buyers_as_of_evaluation as (
    select
        customer_id,
        first_order_date,
        last_order_date,
        order_count,
        total_revenue,
        evaluation_date,
        {{ kanta_is_vip('order_count', 'total_revenue') }} as is_vip,
        {{ kanta_lifecycle_stage(
            'order_count',
            'total_revenue',
            kanta_days_between('last_order_date', 'evaluation_date'),
            kanta_days_between('first_order_date', 'evaluation_date')
        ) }} as lifecycle_stage
    from candidates_in_state
),

assigned as (
    {{ kanta_reactivation_assignments(
        'buyers_as_of_evaluation',
        as_of_date='buyers.evaluation_date',
        partition_by='evaluation_date'
    ) }}
),

final as (
    select
        customer_id,
        automation,
        wave,
        due_date,
        {{ kanta_is_control('customer_id', 'automation') }} as is_control,
        priority,
        first_order_date,
        last_order_date,
        order_count,
        total_revenue,
        is_vip,
        lifecycle_stage
    from assigned
    where due_date = evaluation_date
)

select * from final
