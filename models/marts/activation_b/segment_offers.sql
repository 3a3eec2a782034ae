-- Offers for the buyers of a segment (SPEC section 3): each row of the seed segment_offer_rules
-- (segmentation, segment, coupon_code, offer) joined to the buyers whose customer_segments column
-- `segmentation` equals `segment`. A buyer gets one row per matching offer. Audience marts keep
-- every eligible buyer with is_marketable; exports carry only the marketable ones.

{#- The segmentation columns of customer_segments an offer can target (the seed's
    segmentation values are tested against this list). -#}
{%- set segmentations = [
    'rfm_segment', 'lifecycle_stage', 'value_group', 'maturity', 'repurchase_status',
    'customer_type', 'age_band', 'gender', 'city', 'favourite_category',
] %}

with

offer_rules as (
    select * from {{ ref('segment_offer_rules') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

customer_facts as (
    select * from {{ ref('customer_facts') }}
),

offers as (
    select
        trim(segmentation) as segmentation,
        trim(segment) as segment,
        trim(coupon_code) as coupon_code,
        trim(offer) as offer
    from offer_rules
),

offer_buyers as (
    {%- for segmentation in segmentations %}
    select
        customer_segments.customer_id,
        offers.segmentation,
        offers.segment,
        offers.coupon_code,
        offers.offer
    from customer_segments
    inner join offers
        on
            offers.segmentation = '{{ segmentation }}'
            and customer_segments.{{ segmentation }} = offers.segment
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        cast(offer_buyers.customer_id as string) as customer_id,
        cast(offer_buyers.segmentation as string) as segmentation,
        cast(offer_buyers.segment as string) as segment,
        cast(offer_buyers.coupon_code as string) as coupon_code,
        cast(offer_buyers.offer as string) as offer,
        cast(coalesce(customer_facts.is_marketable, false) as boolean) as is_marketable
    from offer_buyers
    inner join customer_facts
        on offer_buyers.customer_id = customer_facts.customer_id
)

select * from final
