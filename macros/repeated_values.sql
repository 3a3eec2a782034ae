{#- A select of the values of `expression` (a 64-bit hash in every caller) that occur more than
    once in `relation` (a table or a CTE), as the single column repeated_value; `where`
    optionally filters the rows first. For `in (...)` tests only: a value that occurs k times
    may be listed up to k - 1 times, and null is never listed.

    The callers look for a handful of repeats among tens of millions of distinct values
    (duplicate rows, uniqueness tests). -#}
{% macro kanta_repeated_values(expression, relation, where=none) -%}
  {{ return(adapter.dispatch('kanta_repeated_values', 'kanta')(expression, relation, where)) }}
{%- endmacro %}

{#- Grouped by the value, on engines that spread a group-by over many workers (Spark). -#}
{% macro default__kanta_repeated_values(expression, relation, where) -%}
    select {{ expression }} as repeated_value
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    group by {{ expression }}
    having count(*) > 1
{%- endmacro %}

{#- On DuckDB the values are sorted and each compared with the one before: a repeated value is
    one equal to its predecessor. Sorting 23M 64-bit numbers took about half the time of
    grouping them into 23M groups (the order lines of the 10M shop: 3.5-4 s against 6-8 s). -#}
{% macro duckdb__kanta_repeated_values(expression, relation, where) -%}
    select repeated_value
    from (
        select
            repeated_value,
            lag(repeated_value) over (order by repeated_value) as previous_value
        from (
            select {{ expression }} as repeated_value
            from {{ relation }}
            {%- if where %}
            where {{ where }}
            {%- endif %}
        ) as selected_values
    ) as sorted_values
    where repeated_value = previous_value
{%- endmacro %}
