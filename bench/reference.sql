-- kanta benchmark reference: customer_facts, customer_rfm and cohort_retention computed by
-- hand in one DuckDB script, straight from a shop's raw Parquet files (SPEC sections 2 and 3).
--
-- It is the lower bound `python -m kanta bench` compares the dbt models with: no dbt, no
-- staging tables, no audit trail, only the work the three marts need. To be a fair bound it
-- does the same work on the data that dbt does:
--   * reads every raw file the marts depend on (orders, order_lines, products, customers,
--     consent_events, erasure_requests) from Parquet;
--   * drops the rows staging quarantines or collapses: missing keys and required values,
--     negative totals, refunds above the total, conflicting duplicates (all rows of an id
--     whose rows differ), exact duplicates (one copy kept), lines without a loaded order;
--   * resolves guest checkouts (the registered customer with that email, else
--     'guest_' || first 16 hex digits of sha256(lower(trim(email)))) and removes erased
--     customers;
--   * applies the counted-order rule (status trimmed, any case, in completed, shipped,
--     delivered, paid), revenue = order_total - refunded_total, and as_of_date = the day
--     after the latest counted order; orders on or after it are ignored;
--   * writes the three marts as tables, with the column types of the dbt contracts.
-- It relies on the default vars of dbt_project.yml and on files as `kanta generate --format
-- parquet` writes them (typed columns, all six tables present); it does not parse CSV text,
-- which dbt's staging does for any input.
--
-- Run it in a DuckDB database after setting two variables, e.g. in the DuckDB CLI:
--   set variable raw_dir = '.cache/bench/100k';
--   set variable seed_dir = 'seeds';
--   .read bench/reference.sql
-- The marts are written to the tables main.customer_facts, main.customer_rfm and
-- main.cohort_retention of that database.

-- Customers who asked to be forgotten: gone from every mart.
create or replace temp table erased_customers as
select distinct nullif(trim(customer_id), '') as customer_id
from read_parquet(getvariable('raw_dir') || '/erasure_requests.parquet')
where
    nullif(trim(customer_id), '') is not null
    and requested_at is not null;

-- Valid customer rows, one per customer_id (erased ones included: guest checkouts still
-- resolve to them). A customer_id with differing rows is quarantined altogether.
create or replace temp table customers_valid as
with

customer_rows as (
    select distinct
        customer_id,
        email,
        created_at,
        birth_year,
        gender,
        city,
        postcode,
        country,
        company_name,
        is_business,
        referred_by_customer_id,
        marketing_consent
    from read_parquet(getvariable('raw_dir') || '/customers.parquet')
    where nullif(trim(customer_id), '') is not null
)

select
    nullif(trim(customer_id), '') as customer_id,
    lower(nullif(trim(email), '')) as email_key,
    birth_year,
    nullif(lower(trim(gender)), '') as gender,
    nullif(trim(city), '') as city,
    nullif(trim(company_name), '') as company_name,
    is_business,
    marketing_consent
from customer_rows
qualify count(*) over (partition by nullif(trim(customer_id), '')) = 1;

-- Valid orders, counted or not, with their buyer and revenue (stg_shop__orders).
create or replace temp table orders as
with

order_rows as (
    select distinct
        order_id,
        customer_id,
        customer_email,
        ordered_at,
        status,
        order_total,
        refunded_total,
        shipping_total,
        tax_total,
        coupon_code,
        shipping_city,
        shipping_postcode,
        billing_city
    from read_parquet(getvariable('raw_dir') || '/orders.parquet')
    where nullif(trim(order_id), '') is not null
),

unique_rows as (
    -- An order_id with rows that differ is a conflicting duplicate: all its rows go.
    select *
    from order_rows
    qualify count(*) over (partition by nullif(trim(order_id), '')) = 1
),

checked as (
    select
        nullif(trim(order_id), '') as order_id,
        nullif(trim(customer_id), '') as customer_id,
        lower(nullif(trim(customer_email), '')) as email_key,
        ordered_at,
        lower(nullif(trim(status), '')) as status,
        order_total - coalesce(refunded_total, 0) as revenue,
        nullif(trim(billing_city), '') as billing_city
    from unique_rows
    where
        (nullif(trim(customer_id), '') is not null or nullif(trim(customer_email), '') is not null)
        and ordered_at is not null
        and order_total is not null
        and order_total >= 0
        and coalesce(refunded_total, 0) >= 0
        and coalesce(shipping_total, 0) >= 0
        and coalesce(tax_total, 0) >= 0
        and coalesce(refunded_total, 0) <= order_total
),

customer_emails as (
    -- One registered customer per email; the lowest id when several share one.
    select
        email_key,
        min(customer_id) as customer_id
    from customers_valid
    where email_key is not null and email_key <> ''
    group by email_key
),

resolved as (
    select
        checked.order_id,
        coalesce(
            checked.customer_id,
            customer_emails.customer_id,
            'guest_' || left(sha256(checked.email_key), 16)
        ) as customer_id,
        checked.ordered_at,
        checked.status,
        checked.revenue,
        checked.billing_city
    from checked
    left join customer_emails
        on checked.customer_id is null and checked.email_key = customer_emails.email_key
)

select
    order_id,
    customer_id,
    ordered_at,
    cast(ordered_at as date) as order_date,
    coalesce(status in ('completed', 'shipped', 'delivered', 'paid'), false) as is_counted,
    revenue,
    billing_city
from resolved
where customer_id not in (select customer_id from erased_customers);

-- The day the analysis stands on: the day after the latest counted order.
set variable as_of_date = (select max(order_date) + 1 from orders where is_counted);

-- Counted orders before as_of_date, numbered per buyer, with the days since the previous one.
create or replace temp table counted_orders as
select
    order_id,
    customer_id,
    ordered_at,
    order_date,
    revenue,
    row_number() over buyer_orders as order_number,
    order_date - lag(order_date) over buyer_orders as days_since_previous_order
from orders
where is_counted and order_date < getvariable('as_of_date')
window buyer_orders as (partition by customer_id order by ordered_at, order_id);

create or replace table customer_facts as
with

order_stats as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_count,
        sum(revenue) as total_revenue,
        count(*) filter (where order_date >= getvariable('as_of_date') - 365) as orders_last_365d,
        coalesce(sum(revenue) filter (where order_date >= getvariable('as_of_date') - 365), 0)
            as revenue_last_365d,
        median(days_since_previous_order) as median_days_between_orders,
        max(days_since_previous_order) filter (where order_number = 2) as first_to_second_order_days
    from counted_orders
    group by customer_id
),

preferred_hours as (
    -- The hour with the most orders; ties go to the earliest hour.
    select
        customer_id,
        hour(ordered_at) as order_hour
    from counted_orders
    group by customer_id, hour(ordered_at)
    qualify row_number() over (partition by customer_id order by count(*) desc, order_hour) = 1
),

products as (
    select
        nullif(trim(product_id), '') as product_id,
        lower(nullif(trim(category), '')) as category,
        nullif(trim(brand), '') as brand
    from (
        select distinct product_id, product_name, category, brand, is_consumable
        from read_parquet(getvariable('raw_dir') || '/products.parquet')
        where nullif(trim(product_id), '') is not null
    ) as product_rows
    qualify count(*) over (partition by nullif(trim(product_id), '')) = 1
),

order_lines as (
    -- Valid lines, exact copies collapsed; joined to counted orders below, which also drops
    -- lines without a loaded order and lines of erased customers.
    select
        nullif(trim(order_id), '') as order_id,
        nullif(trim(product_id), '') as product_id,
        line_total
    from (
        select distinct order_id, product_id, quantity, line_total
        from read_parquet(getvariable('raw_dir') || '/order_lines.parquet')
    ) as line_rows
    where
        nullif(trim(order_id), '') is not null
        and nullif(trim(product_id), '') is not null
        and quantity is not null
        and quantity >= 0
        and coalesce(line_total, 0) >= 0
),

customer_lines as (
    select
        counted_orders.customer_id,
        counted_orders.order_date,
        products.category,
        products.brand,
        coalesce(order_lines.line_total, 0) as line_revenue
    from order_lines
    inner join counted_orders on order_lines.order_id = counted_orders.order_id
    left join products on order_lines.product_id = products.product_id
),

category_counts as (
    select
        customer_id,
        count(distinct category) as distinct_categories,
        count(distinct category) filter (where order_date >= getvariable('as_of_date') - 365)
            as distinct_categories_365d
    from customer_lines
    group by customer_id
),

favourite_categories as (
    select
        customer_id,
        category
    from customer_lines
    where category is not null
    group by customer_id, category
    qualify row_number() over (partition by customer_id order by sum(line_revenue) desc, category) = 1
),

favourite_brands as (
    select
        customer_id,
        brand
    from customer_lines
    where brand is not null
    group by customer_id, brand
    qualify row_number() over (partition by customer_id order by sum(line_revenue) desc, brand) = 1
),

latest_billing_cities as (
    -- Billing city of each buyer's latest valid order (counted or not, any day).
    select
        customer_id,
        billing_city
    from orders
    where customer_id in (select customer_id from order_stats)
    qualify row_number() over (partition by customer_id order by ordered_at desc, order_id desc) = 1
),

latest_consents as (
    -- The latest change wins; on a tie a withdrawal wins.
    select
        nullif(trim(customer_id), '') as customer_id,
        consent
    from read_parquet(getvariable('raw_dir') || '/consent_events.parquet')
    where
        nullif(trim(customer_id), '') is not null
        and consent is not null
        and changed_at is not null
        and nullif(trim(customer_id), '') not in (select customer_id from erased_customers)
    qualify row_number() over (
        partition by nullif(trim(customer_id), '') order by changed_at desc, consent asc
    ) = 1
),

final as (
    select
        cast(order_stats.customer_id as varchar) as customer_id,
        cast(order_stats.first_order_date as date) as first_order_date,
        cast(order_stats.last_order_date as date) as last_order_date,
        cast(order_stats.order_count as bigint) as order_count,
        cast(order_stats.total_revenue as decimal(18, 2)) as total_revenue,
        -- money / count rounded to cents half away from zero, exactly (as kanta_money_ratio)
        cast(
            sign(order_stats.total_revenue)
            * ((2 * abs(cast(order_stats.total_revenue * 100 as bigint)) + order_stats.order_count)
               // (2 * order_stats.order_count))
            / 100 as decimal(18, 2)
        ) as avg_order_value,
        cast(getvariable('as_of_date') - order_stats.last_order_date as integer) as recency_days,
        cast(getvariable('as_of_date') - order_stats.first_order_date as integer) as tenure_days,
        cast(
            case
                when order_stats.order_count >= 2
                    then (order_stats.last_order_date - order_stats.first_order_date)
                    / cast(order_stats.order_count - 1 as double)
            end as double
        ) as avg_days_between_orders,
        cast(order_stats.orders_last_365d as bigint) as orders_last_365d,
        cast(order_stats.revenue_last_365d as decimal(18, 2)) as revenue_last_365d,
        cast(coalesce(category_counts.distinct_categories, 0) as bigint) as distinct_categories,
        cast(coalesce(favourite_categories.category, 'unknown') as varchar) as favourite_category,
        cast(coalesce(favourite_brands.brand, 'unknown') as varchar) as favourite_brand,
        cast(preferred_hours.order_hour as integer) as preferred_order_hour,
        cast(
            case
                when customers.is_business or customers.company_name is not null then 'b2b'
                else 'b2c'
            end as varchar
        ) as customer_type,
        cast(
            case
                when customers.birth_year is null then 'unknown'
                when year(getvariable('as_of_date')) - customers.birth_year < 25 then 'under_25'
                when year(getvariable('as_of_date')) - customers.birth_year < 35 then '25_34'
                when year(getvariable('as_of_date')) - customers.birth_year < 45 then '35_44'
                when year(getvariable('as_of_date')) - customers.birth_year < 55 then '45_54'
                when year(getvariable('as_of_date')) - customers.birth_year < 65 then '55_64'
                else '65_plus'
            end as varchar
        ) as age_band,
        cast(coalesce(customers.gender, 'unknown') as varchar) as gender,
        cast(coalesce(customers.city, latest_billing_cities.billing_city, 'unknown') as varchar) as city,
        cast(coalesce(latest_consents.consent, customers.marketing_consent, false) as boolean)
            as is_marketable,
        cast(coalesce(category_counts.distinct_categories_365d, 0) as bigint) as distinct_categories_365d,
        cast(order_stats.median_days_between_orders as double) as median_days_between_orders,
        cast(order_stats.first_to_second_order_days as integer) as first_to_second_order_days
    from order_stats
    left join preferred_hours on order_stats.customer_id = preferred_hours.customer_id
    left join category_counts on order_stats.customer_id = category_counts.customer_id
    left join favourite_categories on order_stats.customer_id = favourite_categories.customer_id
    left join favourite_brands on order_stats.customer_id = favourite_brands.customer_id
    left join latest_billing_cities on order_stats.customer_id = latest_billing_cities.customer_id
    left join latest_consents on order_stats.customer_id = latest_consents.customer_id
    left join customers_valid as customers
        on
            order_stats.customer_id = customers.customer_id
            and customers.customer_id not in (select customer_id from erased_customers)
)

select * from final;

-- Tie-consistent quintiles: 1 + floor(5 * (rank() - 1) / count(*)) over the metric ordered
-- worst to best; the segment from the seed rfm_segment_map (r_score x f_score).
create or replace table customer_rfm as
with

segment_map as (
    select
        cast(r_score as integer) as r_score,
        cast(f_score as integer) as f_score,
        cast(segment as varchar) as segment
    from read_csv(getvariable('seed_dir') || '/rfm_segment_map.csv', header = true)
),

scored as (
    select
        customer_id,
        recency_days,
        order_count,
        total_revenue,
        cast(1 + floor(5.0 * (rank() over (order by recency_days desc) - 1) / count(*) over ()) as integer)
            as r_score,
        cast(1 + floor(5.0 * (rank() over (order by order_count asc) - 1) / count(*) over ()) as integer)
            as f_score,
        cast(1 + floor(5.0 * (rank() over (order by total_revenue asc) - 1) / count(*) over ()) as integer)
            as m_score
    from customer_facts
)

select
    cast(scored.customer_id as varchar) as customer_id,
    cast(scored.recency_days as integer) as recency_days,
    cast(scored.order_count as bigint) as frequency,
    cast(scored.total_revenue as decimal(18, 2)) as monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    cast(scored.r_score as varchar) || cast(scored.f_score as varchar) || cast(scored.m_score as varchar)
        as rfm_code,
    cast(coalesce(segment_map.segment, 'unknown') as varchar) as rfm_segment
from scored
left join segment_map
    on scored.r_score = segment_map.r_score and scored.f_score = segment_map.f_score;

-- Monthly cohorts: every month from the cohort's first to the month of as_of_date - 1 day.
create or replace table cohort_retention as
with

customer_months as (
    select
        customer_id,
        cast(date_trunc('month', order_date) as date) as activity_month,
        sum(revenue) as revenue
    from counted_orders
    group by customer_id, date_trunc('month', order_date)
),

months_numbered as (
    select
        customer_id,
        min(activity_month) over (partition by customer_id) as cohort_month,
        activity_month,
        revenue
    from customer_months
),

cohort_activity as (
    select
        cohort_month,
        (year(activity_month) - year(cohort_month)) * 12 + month(activity_month) - month(cohort_month)
            as months_since_first,
        count(*) as active_customers,
        sum(revenue) as revenue
    from months_numbered
    group by all
),

cohorts as (
    select
        cohort_month,
        active_customers as cohort_size
    from cohort_activity
    where months_since_first = 0
),

cells as (
    select
        cohorts.cohort_month,
        cohorts.cohort_size,
        cast(
            unnest(generate_series(
                cohorts.cohort_month,
                cast(date_trunc('month', getvariable('as_of_date') - 1) as date),
                interval 1 month
            )) as date
        ) as activity_month
    from cohorts
),

filled as (
    select
        cells.cohort_month,
        (year(cells.activity_month) - year(cells.cohort_month)) * 12
        + month(cells.activity_month) - month(cells.cohort_month) as months_since_first,
        cells.cohort_size,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue
    from cells
    left join cohort_activity
        on
            cells.cohort_month = cohort_activity.cohort_month
            and (year(cells.activity_month) - year(cells.cohort_month)) * 12
            + month(cells.activity_month) - month(cells.cohort_month) = cohort_activity.months_since_first
)

select
    cast(cohort_month as date) as cohort_month,
    cast(months_since_first as integer) as months_since_first,
    cast(cohort_size as bigint) as cohort_size,
    cast(active_customers as bigint) as active_customers,
    cast(active_customers as double) / cast(cohort_size as double) as retention_rate,
    cast(revenue as decimal(18, 2)) as revenue,
    cast(
        sign(sum(revenue) over (partition by cohort_month order by months_since_first))
        * ((2 * abs(cast(sum(revenue) over (partition by cohort_month order by months_since_first) * 100 as bigint))
            + cohort_size) // (2 * cohort_size))
        / 100 as decimal(18, 2)
    ) as cumulative_revenue_per_customer
from filled;
