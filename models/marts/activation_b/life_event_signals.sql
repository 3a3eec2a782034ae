-- Life events read from baskets (SPEC section 3): a customer who buys at least min_matches of an
-- event's trigger categories within window_days (seed life_event_rules) has probably got a pet,
-- a baby or a new home. One row per buyer and life event, on the day the rule first matched.
--
-- The window of a day d is the window_days days ending on d, both ends included:
-- [d - window_days + 1, d]. The rule matches on d when the distinct trigger categories bought
-- on those days reach min_matches; detected_on is the earliest such d (always a purchase day).

with

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

life_event_rules as (
    select * from {{ ref('life_event_rules') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

rule_categories as (
    -- Each distinct trigger category of an event gets its own bit (1, 2, 4, ...), so that the
    -- distinct categories of a set of days are the bits of an OR over those days, counted by
    -- bit_count: far cheaper than count(distinct category) over every day of a window. 62
    -- categories per event at most (a 64-bit number; a seed test checks it).
    select
        life_event,
        category,
        cast(power(2, row_number() over (partition by life_event order by category) - 1) as bigint)
            as category_bit
    from (
        select distinct
            life_event,
            lower(trim(category)) as category
        from life_event_rules
    ) as distinct_rule_categories
),

events as (
    -- min_matches, window_days and recommended_categories belong to the life event and are
    -- repeated on each of its rows (a seed test checks that they agree).
    select
        life_event,
        max(min_matches) as min_matches,
        max(window_days) as window_days,
        max(trim(recommended_categories)) as recommended_categories
    from life_event_rules
    group by life_event
),

trigger_days as (
    -- Each day a buyer bought trigger categories of an event, with those categories' bits.
    select
        basket_products.customer_id,
        rule_categories.life_event,
        basket_products.order_date as purchase_date,
        bit_or(rule_categories.category_bit) as day_categories
    from basket_products
    inner join rule_categories
        on basket_products.category = rule_categories.category
    group by
        basket_products.customer_id,
        rule_categories.life_event,
        basket_products.order_date
),

candidates as (
    -- Buyers who ever bought enough trigger categories: only they can match, so the window
    -- join below runs on them alone.
    select
        trigger_days.customer_id,
        trigger_days.life_event
    from trigger_days
    inner join events
        on trigger_days.life_event = events.life_event
    group by
        trigger_days.customer_id,
        trigger_days.life_event,
        events.min_matches
    having bit_count(bit_or(trigger_days.day_categories)) >= events.min_matches
),

candidate_days as (
    -- window_bucket numbers the event's windows of window_days days since 1970-01-01: the days
    -- of the window ending on d lie in d's bucket or the one before.
    select
        trigger_days.*,
        events.min_matches,
        events.window_days,
        floor(
            {{ kanta_days_between("cast('1970-01-01' as date)", 'trigger_days.purchase_date') }}
            / events.window_days
        ) as window_bucket
    from trigger_days
    inner join candidates
        on
            trigger_days.customer_id = candidates.customer_id
            and trigger_days.life_event = candidates.life_event
    inner join events
        on trigger_days.life_event = events.life_event
),

window_days_bucketed as (
    -- Each candidate day twice: in its own bucket and in the next one, so that the window
    -- join below is an equality join on the bucket and compares each day only with the days
    -- of at most two windows, not with all of a frequent buyer's days.
    select
        *,
        window_bucket as join_bucket
    from candidate_days
    union all
    select
        *,
        window_bucket + 1 as join_bucket
    from candidate_days
),

window_matches as (
    -- For each purchase day d, the trigger categories bought in [d - window + 1, d] (the OR of
    -- the days' bits): a range self-join limited to the window, per buyer and event.
    select
        window_end.customer_id,
        window_end.life_event,
        window_end.purchase_date as matched_on,
        window_end.min_matches,
        bit_or(in_window.day_categories) as window_categories
    from candidate_days as window_end
    inner join window_days_bucketed as in_window
        on
            window_end.customer_id = in_window.customer_id
            and window_end.life_event = in_window.life_event
            and window_end.window_bucket = in_window.join_bucket
            and window_end.purchase_date >= in_window.purchase_date
            and {{ kanta_add_days('window_end.purchase_date', '1 - window_end.window_days') }}
            <= in_window.purchase_date
    group by
        window_end.customer_id,
        window_end.life_event,
        window_end.purchase_date,
        window_end.min_matches
),

detected as (
    -- The first day the rule matched, with the categories of the window that ended on it.
    select
        customer_id,
        life_event,
        min(matched_on) as detected_on,
        {{ kanta_arg_min('window_categories', 'matched_on') }} as window_categories
    from window_matches
    where bit_count(window_categories) >= min_matches
    group by
        customer_id,
        life_event
),

matched_categories as (
    -- The names of the trigger categories bought in the window that ended on detected_on.
    select
        detected.customer_id,
        detected.life_event,
        detected.detected_on,
        {{ kanta_sorted_distinct_join('rule_categories.category') }} as trigger_categories
    from detected
    inner join rule_categories
        on
            detected.life_event = rule_categories.life_event
            and (detected.window_categories & rule_categories.category_bit) <> 0
    group by
        detected.customer_id,
        detected.life_event,
        detected.detected_on
),

final as (
    select
        cast(matched_categories.customer_id as string) as customer_id,
        cast(matched_categories.life_event as string) as life_event,
        cast(matched_categories.detected_on as date) as detected_on,
        cast(matched_categories.trigger_categories as string) as trigger_categories,
        cast(events.recommended_categories as string) as recommended_categories,
        cast(coalesce(customer_facts.is_marketable, false) as boolean) as is_marketable
    from matched_categories
    inner join events
        on matched_categories.life_event = events.life_event
    inner join customer_facts
        on matched_categories.customer_id = customer_facts.customer_id
)

select * from final
