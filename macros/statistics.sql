{#- Exact median: the mean of the two middle values for an even count (SPEC section 3). -#}
{% macro kanta_median(expression) -%}
  {{ return(adapter.dispatch('kanta_median', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_median(expression) -%}
  median({{ expression }})
{%- endmacro %}

{#- On DuckDB the values of each group are collected into a list and the list's median taken:
    the same exact median (list_median is median over the list's elements), but DuckDB's
    grouped median keeps a large state per group. With a million groups (buyers and products
    in replenishment_candidates at 10M orders) median() took 20 s and 8 GB where this takes
    7 s and 0.8 GB, and at 100M orders it spilled tens of GB. Nulls are left out of
    the list, as median() ignores them; a group without values gives null. -#}
{% macro duckdb__kanta_median(expression) -%}
  list_median(list({{ expression }}) filter (where {{ expression }} is not null))
{%- endmacro %}


{#- Tie-consistent quintile scores (SPEC section 3): ordered from worst to best,
    1 + floor(5 * (rank() - 1) / count(*)), rank() giving ties their lowest rank, so equal
    inputs always get equal scores. One row per distinct value of `column` in `input` (per
    `partition_by`): metric_value and score, to be joined back. rank() - 1 of a value is the
    number of rows with a worse value: the running count of the distinct values ordered worst
    first, minus the value's own rows. Ranking the distinct values (a few hundred days or
    order counts, fewer revenues than rows) instead of sorting every row keeps
    segment_history (a million buyers on 24 days) fast. `worst_first` is 'asc' or 'desc'. -#}
{% macro kanta_quintile_scores(input, column, worst_first, partition_by=none) -%}
  {%- set window = ('partition by ' ~ partition_by if partition_by else '') -%}
    select
        {%- if partition_by %}
        {{ partition_by }},
        {%- endif %}
        metric_value,
        cast(1 + floor(
            5.0 * (
                sum(value_rows) over (
                    {{ window }} order by metric_value {{ worst_first }}
                    rows between unbounded preceding and current row
                ) - value_rows
            )
            / sum(value_rows) over ({{ window }})
        ) as integer) as score
    from (
        select
            {%- if partition_by %}
            {{ partition_by }},
            {%- endif %}
            {{ column }} as metric_value,
            count(*) as value_rows
        from {{ input }}
        group by {% if partition_by %}{{ partition_by }}, {% endif %}{{ column }}
    ) as distinct_values
{%- endmacro %}



{#- A struct of (name, expression) pairs, its fields read as <column>.<name>. -#}
{% macro kanta_struct(pairs) -%}
  {{ return(adapter.dispatch('kanta_struct', 'kanta')(pairs)) }}
{%- endmacro %}

{% macro default__kanta_struct(pairs) -%}
  struct_pack({% for name, expression in pairs %}{{ name }} := {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__kanta_struct(pairs) -%}
  named_struct({% for name, expression in pairs %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}


{#- The value of the group's row with the greatest `ordering` (an aggregate: one pass, no sort
    of the rows as row_number() = 1 would need). Give a struct as `value` to keep nulls and
    read several columns of that row; a struct `ordering` compares field by field. -#}
{% macro kanta_arg_max(value, ordering) -%}
  {{ return(adapter.dispatch('kanta_arg_max', 'kanta')(value, ordering)) }}
{%- endmacro %}

{% macro default__kanta_arg_max(value, ordering) -%}
  arg_max({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro spark__kanta_arg_max(value, ordering) -%}
  max_by({{ value }}, {{ ordering }})
{%- endmacro %}

{#- The value of the group's row with the least `ordering`: kanta_arg_max's mirror. -#}
{% macro kanta_arg_min(value, ordering) -%}
  {{ return(adapter.dispatch('kanta_arg_min', 'kanta')(value, ordering)) }}
{%- endmacro %}

{% macro default__kanta_arg_min(value, ordering) -%}
  arg_min({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro spark__kanta_arg_min(value, ordering) -%}
  min_by({{ value }}, {{ ordering }})
{%- endmacro %}


{#- The group's non-null `value` with the greatest `weight`, ties to the smallest value; null
    when every value is null. One aggregate (kanta_arg_min over the order: named values first,
    greatest weight, value), not a window numbering every row. -#}
{% macro kanta_top_value(value, weight) -%}
  {{ kanta_arg_min(value, kanta_struct([
      ('is_unnamed', value ~ ' is null'), ('negative_weight', '-(' ~ weight ~ ')'), ('name', value),
  ])) }}
{%- endmacro %}
