-- Every raw row that could not be loaded, with the reason and its raw values (SPEC section 2).

{%- set raw_tables = ['orders', 'order_lines', 'products', 'customers', 'consent_events', 'erasure_requests'] %}

with

{% for raw_table in raw_tables %}
{{ raw_table }} as (
    select * from {{ ref('base_shop__' ~ raw_table ~ '_checked') }}
),

{% endfor %}
quarantined as (
    {%- for raw_table in raw_tables %}
    select
        '{{ raw_table }}' as table_name,
        source_file,
        case
            when quarantine_reason = 'unparseable_line' then 'line ' || cast(line_number as string)
            else coalesce(row_key, '')
        end as row_key,
        quarantine_reason as reason,
        file_row_number,
        line_number,
        raw_values,
        {{ 'revenue' if raw_table == 'orders' else 'cast(null as decimal(18, 2))' }} as revenue
    from {{ raw_table }}
    where quarantine_reason is not null
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from quarantined
