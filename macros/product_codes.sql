{#- A select of every product of `products` (stg_shop__products) with its category and brand as
    numbers in name order (null when unnamed) and the number of its (category, brand) pair
    (equal pairs share it, unnamed ones included). int_order_lines_joined puts the pair's
    number on every line; int_customer_categories adds lines up by it and names its favourites
    back from this same select, so that 22M lines are grouped by a number, not two texts, and
    joined to the catalogue once. Nulls sort last explicitly: the numbers are the same on every
    engine. -#}
{% macro kanta_product_name_codes(products) -%}
    select
        {{ products }}.*,
        case
            when category is not null then dense_rank() over (order by category nulls last)
        end as category_code,
        case
            when brand is not null then dense_rank() over (order by brand nulls last)
        end as brand_code,
        dense_rank() over (order by category nulls last, brand nulls last) as category_brand_code
    from {{ products }}
{%- endmacro %}
