{#- Exact median: the mean of the two middle values for an even count (SPEC section 3). -#}
{% macro kanta_median(expression) -%}
  {{ return(adapter.dispatch('kanta_median', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_median(expression) -%}
  median({{ expression }})
{%- endmacro %}


{#- Tie-consistent quintile score (SPEC section 3): ordered from worst to best,
    1 + floor(5 * (rank() - 1) / count(*)), rank() giving ties their lowest rank, so equal
    inputs always get equal scores. `worst_first` is the SQL ordering (e.g. 'recency_days desc'). -#}
{% macro kanta_quintile_score(worst_first, partition_by=none) -%}
  {%- set window = ('partition by ' ~ partition_by ~ ' ' if partition_by else '') -%}
  cast(1 + floor(
    5.0 * (rank() over ({{ window }}order by {{ worst_first }}) - 1)
    / count(*) over ({{ window | trim }})
  ) as integer)
{%- endmacro %}
