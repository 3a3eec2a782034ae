-- Where every raw row went, per table: rows read = loaded + quarantined + collapsed duplicates
-- + erased, and for orders, revenue read = loaded + quarantined + erased (SPEC section 2).
-- Revenue read counts each distinct raw row once: an exact duplicate is the same order read
-- twice, so its copies are shown apart (collapsed_duplicate_revenue) and not added.

{%- set raw_tables = ['orders', 'order_lines', 'products', 'customers', 'consent_events', 'erasure_requests'] %}

with

{% for raw_table in raw_tables %}
raw_{{ raw_table }} as (
    select * from {{ ref('base_shop__' ~ raw_table) }}
),

checked_{{ raw_table }} as (
    select * from {{ ref('base_shop__' ~ raw_table ~ '_checked') }}
),

loaded_{{ raw_table }} as (
    select * from {{ ref('stg_shop__' ~ raw_table) }}
),

{% endfor %}
quarantined_rows as (
    select * from {{ ref('quarantined_rows') }}
),

quarantined as (
    select
        table_name,
        count(*) as rows_quarantined,
        sum(revenue) as revenue_quarantined
    from quarantined_rows
    group by table_name
),

counts as (
    {%- for raw_table in raw_tables %}
    select
        '{{ raw_table }}' as table_name,
        (select max(_kanta_source_file) from raw_{{ raw_table }}) as source_file,
        (select count(*) from raw_{{ raw_table }}) as rows_read,
        (select count(*) from loaded_{{ raw_table }}) as rows_loaded,
        (
            select count(*) from checked_{{ raw_table }}
            where is_collapsed_duplicate
        ) as duplicates_collapsed,
        (
            select count(*) from checked_{{ raw_table }}
            where is_erased
        ) as rows_erased,
        {%- if raw_table == 'orders' %}
        coalesce((
            select sum(revenue) from checked_orders
            where not is_collapsed_duplicate
        ), 0) as revenue_read,
        coalesce((select sum(revenue) from loaded_orders), 0) as revenue_loaded,
        coalesce((
            select sum(revenue) from checked_orders
            where is_erased
        ), 0) as revenue_erased,
        coalesce((
            select sum(revenue) from checked_orders
            where is_collapsed_duplicate
        ), 0)
            as collapsed_duplicate_revenue
        {%- else %}
        cast(null as decimal(18, 2)) as revenue_read,
        cast(null as decimal(18, 2)) as revenue_loaded,
        cast(null as decimal(18, 2)) as revenue_erased,
        cast(null as decimal(18, 2)) as collapsed_duplicate_revenue
        {%- endif %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        counts.table_name,
        counts.source_file,
        counts.rows_read,
        counts.rows_loaded,
        coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
        counts.duplicates_collapsed,
        counts.rows_erased,
        counts.rows_read = counts.rows_loaded
        + coalesce(quarantined.rows_quarantined, 0)
        + counts.duplicates_collapsed
        + counts.rows_erased as is_rows_reconciled,
        counts.revenue_read,
        counts.revenue_loaded,
        case when counts.table_name = 'orders' then coalesce(quarantined.revenue_quarantined, 0) end
            as revenue_quarantined,
        counts.revenue_erased,
        counts.collapsed_duplicate_revenue,
        coalesce(
            coalesce(counts.revenue_read, 0) = coalesce(counts.revenue_loaded, 0)
            + coalesce(quarantined.revenue_quarantined, 0)
            + coalesce(counts.revenue_erased, 0),
            false
        ) as is_revenue_reconciled
    from counts
    left join quarantined
        on counts.table_name = quarantined.table_name
)

select * from final
