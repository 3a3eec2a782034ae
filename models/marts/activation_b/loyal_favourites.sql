-- Products loyal customers favour (SPEC section 3): for each product bought in a counted order
-- before as_of_date, its share of the loyal buyers (value_group loyal in customer_segments)
-- against its share of all buyers.
--
-- loyal_share = loyal buyers of the product / all loyal buyers; buyer_share = buyers of the
-- product / all buyers; lift_vs_all = loyal_share / buyer_share. Both denominators are every
-- buyer of the group (customer_segments), whether their orders have lines or not. Buyers of a
-- product count who bought it at any time before as_of_date.

with

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

basket_products as (
    select * from {{ ref('int_order_products_basketed') }}
),

buyers as (
    select
        customer_id,
        value_group = 'loyal' as is_loyal
    from customer_segments
),

totals as (
    select
        count(*) as all_buyers,
        coalesce(sum(case when is_loyal then 1 else 0 end), 0) as all_loyal_buyers
    from buyers
),

product_buyers as (
    select distinct
        product_id,
        customer_id
    from basket_products
),

product_counts as (
    select
        product_buyers.product_id,
        count(*) as buyers,
        sum(case when buyers.is_loyal then 1 else 0 end) as loyal_buyers
    from product_buyers
    inner join buyers
        on product_buyers.customer_id = buyers.customer_id
    group by product_buyers.product_id
),

measured as (
    select
        product_counts.product_id,
        product_counts.buyers,
        product_counts.loyal_buyers,
        totals.all_buyers,
        totals.all_loyal_buyers,
        case
            when totals.all_loyal_buyers > 0
                then product_counts.loyal_buyers / cast(totals.all_loyal_buyers as double)
        end as loyal_share,
        product_counts.buyers / cast(totals.all_buyers as double) as buyer_share
    from product_counts
    cross join totals
),

final as (
    select
        cast(product_id as string) as product_id,
        cast(loyal_buyers as bigint) as loyal_buyers,
        cast(loyal_share as double) as loyal_share,
        cast(loyal_share / buyer_share as double) as lift_vs_all,
        cast(
            -- Compared in whole numbers, so a lift exactly at the threshold counts:
            -- loyal_share / buyer_share >= min_lift
            -- <=> loyal_buyers * all_buyers >= min_lift * buyers * all_loyal_buyers.
            -- vars loyal_favourite_min_lift (SPEC default 1.5), loyal_favourite_min_buyers (20).
            all_loyal_buyers > 0
            and loyal_buyers * all_buyers
            >= {{ var('loyal_favourite_min_lift') }} * buyers * all_loyal_buyers
            and loyal_buyers >= {{ var('loyal_favourite_min_buyers') }}
            as boolean
        ) as is_loyal_favourite,
        cast(buyers as bigint) as buyers,
        cast(buyer_share as double) as buyer_share
    from measured
)

select * from final
