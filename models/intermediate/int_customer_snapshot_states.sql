-- What each buyer's counted orders added up to on each snapshot day of the segment history
-- (the first days of the last history_months months, the last being the month of
-- as_of_date - 1 day), counting only orders before that day. Each accumulated state holds
-- from the day after its last order up to and including the next order day, so every
-- snapshot is one range join on int_customer_states_accumulated, not a rescan of orders.
--
-- A view: segment_history is its one reader, and the join with a few dozen snapshot days costs
-- less than writing its rows (buyers x snapshots, 12.8M at 10M orders) and reading them back.
{{ config(materialized='view') }}

with

states as (
    select * from {{ ref('int_customer_states_accumulated') }}
),

snapshot_bounds as (
    select
        {{ kanta_add_months('last_snapshot_date', 1 - var('history_months')) }} as first_snapshot_date,
        last_snapshot_date
    from (
        select
            {{ kanta_period_start('month', kanta_add_days(kanta_as_of_date(), -1)) }} as last_snapshot_date
    ) as bounds
),

snapshots as (
    select {{ kanta_date_spine('month', 'first_snapshot_date', 'last_snapshot_date') }} as snapshot_date
    from snapshot_bounds
),

final as (
    select
        snapshots.snapshot_date,
        states.customer_id,
        states.order_count,
        states.total_revenue,
        states.first_order_date,
        states.last_order_date,
        {{ kanta_days_between('states.last_order_date', 'snapshots.snapshot_date') }} as recency_days,
        {{ kanta_days_between('states.first_order_date', 'snapshots.snapshot_date') }} as tenure_days
    from states
    inner join snapshots
        on
            states.last_order_date < snapshots.snapshot_date
            and (states.next_order_date is null or states.next_order_date >= snapshots.snapshot_date)
)

select * from final
