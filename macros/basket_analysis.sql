{#-
  Helpers of the activation marts that read baskets and purchase histories (life events,
  replenishment, affinities). Engine-specific SQL is dispatched; the default is DuckDB's.
-#}

{#- Aggregate: the distinct non-null values of a text expression, sorted ascending and joined
    with `separator` ('collar; leash; pet bed'). Null when the group has no value. -#}
{% macro kanta_sorted_distinct_join(expression, separator='; ') -%}
  {{ return(adapter.dispatch('kanta_sorted_distinct_join', 'kanta')(expression, separator)) }}
{%- endmacro %}

{% macro default__kanta_sorted_distinct_join(expression, separator) -%}
  string_agg(distinct {{ expression }}, {{ kanta_sql_string(separator) }} order by {{ expression }})
{%- endmacro %}

{% macro spark__kanta_sorted_distinct_join(expression, separator) -%}
  nullif(array_join(array_sort(collect_set({{ expression }})), {{ kanta_sql_string(separator) }}), '')
{%- endmacro %}


{#- Whole days, rounded half up (30.5 -> 31), from a non-negative number of days such as a
    median. floor(x + 0.5) reads the same on every engine, unlike round() on doubles. -#}
{% macro kanta_round_days(days_expression) -%}
  cast(floor({{ days_expression }} + 0.5) as integer)
{%- endmacro %}


{#-
  "Bought together" rules of an item (product_id, category, ...) as CTE definitions, to be
  placed in a model's `with` after `items`, the CTE (or relation) with one row per (basket,
  <item_column>), distinct, of the baskets to analyse; the basket is the column
  order_row_number (int_order_products_basketed). Defines, in order:
    affinity_item_orders   baskets holding each item
    affinity_basket_count  one row: the analysed baskets (the support denominator)
    affinity_item_codes, affinity_pairable_codes, affinity_code_pair_counts
                           the items numbered in item order, and the pairs counted on the
                           numbers (a self-join on order_row_number)
    affinity_pair_counts   each unordered pair once (item < other_item), kept at var
                           min_orders_together or more
    affinity_pairs         both directions of every kept pair (the pair list is read once)
    affinity_measured      the counts and measures of each directed pair
    affinity_rules         item, other_item, orders_together, item_orders, other_item_orders,
                           baskets, support, confidence, lift, rank
  support = together / baskets; confidence = together / item_orders; lift = confidence /
  (other_item_orders / baskets); rank per item by confidence desc, orders_together desc, then
  other_item (unique, deterministic). `basket_stats`: the relation or CTE of
  affinity_basket_stats, whose analysed_baskets is the denominator (every analysed basket,
  also those holding no item, e.g. only uncategorised products; counted there once, not per
  mart). `pairable`: the rows of `items` that can be in a pair, when fewer
  (items of baskets with two or more products: a basket of one product has no pair, and
  leaving it out of the self-join makes the join a fifth smaller on the generated shops).
  Ends with a trailing comma.
-#}
{% macro kanta_affinity_ctes(items, item_column, basket_stats, pairable=none) -%}
{%- set pairable = pairable or items -%}
affinity_item_orders as (
    select
        {{ item_column }} as item,
        count(*) as item_orders
    from {{ items }}
    group by {{ item_column }}
),

affinity_basket_count as (
    select analysed_baskets as baskets
    from {{ basket_stats }}
),

affinity_item_codes as (
    -- Each item numbered in item order: the pairs are joined and counted on these numbers,
    -- faster than on the text (numbers in the same order, so the same pairs).
    select
        item,
        row_number() over (order by item) as item_code
    from affinity_item_orders
),

affinity_pairable_codes as (
    select
        pairable_items.order_row_number,
        affinity_item_codes.item_code
    from {{ pairable }} as pairable_items
    inner join affinity_item_codes
        on pairable_items.{{ item_column }} = affinity_item_codes.item
),

affinity_code_pair_counts as (
    select
        left_items.item_code,
        right_items.item_code as other_item_code,
        count(*) as orders_together
    from affinity_pairable_codes as left_items
    inner join affinity_pairable_codes as right_items
        on
            left_items.order_row_number = right_items.order_row_number
            and left_items.item_code < right_items.item_code
    group by
        left_items.item_code,
        right_items.item_code
    -- var min_orders_together: rarer pairs are noise (SPEC default 5).
    having count(*) >= {{ var('min_orders_together') }}
),

affinity_pair_counts as (
    select
        item_codes.item,
        other_item_codes.item as other_item,
        affinity_code_pair_counts.orders_together
    from affinity_code_pair_counts
    inner join affinity_item_codes as item_codes
        on affinity_code_pair_counts.item_code = item_codes.item_code
    inner join affinity_item_codes as other_item_codes
        on affinity_code_pair_counts.other_item_code = other_item_codes.item_code
),

affinity_pairs as (
    select
        case when directions.is_reversed then affinity_pair_counts.other_item else affinity_pair_counts.item end
            as item,
        case when directions.is_reversed then affinity_pair_counts.item else affinity_pair_counts.other_item end
            as other_item,
        affinity_pair_counts.orders_together
    from affinity_pair_counts
    cross join (
        select false as is_reversed
        union all
        select true as is_reversed
    ) as directions
),

affinity_measured as (
    select
        affinity_pairs.item,
        affinity_pairs.other_item,
        affinity_pairs.orders_together,
        item_orders.item_orders,
        other_item_orders.item_orders as other_item_orders,
        affinity_basket_count.baskets,
        affinity_pairs.orders_together / cast(affinity_basket_count.baskets as double) as support,
        affinity_pairs.orders_together / cast(item_orders.item_orders as double) as confidence,
        (affinity_pairs.orders_together / cast(item_orders.item_orders as double))
        / (other_item_orders.item_orders / cast(affinity_basket_count.baskets as double)) as lift
    from affinity_pairs
    inner join affinity_item_orders as item_orders
        on affinity_pairs.item = item_orders.item
    inner join affinity_item_orders as other_item_orders
        on affinity_pairs.other_item = other_item_orders.item
    cross join affinity_basket_count
),

affinity_rules as (
    select
        *,
        row_number() over (
            partition by item
            order by confidence desc, orders_together desc, other_item asc
        ) as rank
    from affinity_measured
),
{%- endmacro %}
