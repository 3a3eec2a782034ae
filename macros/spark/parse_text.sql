{#-
  Spark versions of the text parsers (macros/parse_text.sql). Each gives null where DuckDB's
  try_cast gives null, so that the same rows are quarantined on both engines.
-#}

{#- A Spark SQL string literal. Spark reads backslash escapes in literals (DuckDB does not), so
    backslashes are doubled, as are quotes; regular expressions pass through unchanged. -#}
{% macro kanta_spark_string(value) %}
  {%- do return("'" ~ (value | string).replace('\\', '\\\\').replace("'", "\\'") ~ "'") -%}
{% endmacro %}


{#-
  Timestamps as DuckDB's try_cast(text as timestamp) reads them, shop-local and never shifted:
    date        year-month-day, 1 or 2 digit month and day, separator - / \ or space (the same
                twice); a date alone is midnight
    time        after T or spaces: hour:minute[:second[.fraction]], fraction truncated to
                microseconds; 24:00[:00] is the next midnight
    zone        Z, +hh[[:]mm[[:]ss]] or a zone name, after optional spaces: dropped, not applied
  Spark's own cast would apply an offset (14:22+02:00 -> 12:22 UTC) and accepts other texts
  ('2024', '2024-03'), so the text is matched here and assembled with make_timestamp. The
  common ISO shapes take the fast path of a plain cast, which reads them identically.
-#}
{% macro spark__kanta_try_timestamp(column) -%}
  {%- set value = kanta_clean(column) -%}
  {%- set fast = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?)?\\z' -%}
  {%- set full = '^([0-9]+)([-/\\\\ ])([0-9]{1,2})\\2([0-9]{1,2})'
      ~ '(?:(?:T|[ \\t]+)([0-9]+):([0-9]{1,2})(?::([0-9]{1,2})(?:[.]([0-9]*))?)?'
      ~ '(?:[ \\t]*(?:Z|[+-][0-9]{2}(?::?[0-9]{2}){0,2}|[A-Za-z][A-Za-z0-9_/+-]*))?[ \\t]*)?\\z' -%}
  {%- set parts = {} -%}
  {%- for name, group in [('y', 1), ('mo', 3), ('d', 4), ('h', 5), ('mi', 6), ('s', 7)] -%}
    {%- do parts.update({name: "cast(nullif(regexp_extract(" ~ value ~ ", " ~ kanta_spark_string(full) ~ ", " ~ group ~ "), '') as int)"}) -%}
  {%- endfor -%}
  {%- set fraction = "rpad(substr(regexp_extract(" ~ value ~ ", " ~ kanta_spark_string(full) ~ ", 8), 1, 6), 6, '0')" -%}
  {%- set seconds = "cast(concat(cast(coalesce(" ~ parts.s ~ ", 0) as string), '.', " ~ fraction ~ ") as decimal(8, 6))" -%}
  case
    when {{ value }} rlike {{ kanta_spark_string(fast) }}
      then try_cast({{ value }} as timestamp)
    when not ({{ value }} rlike {{ kanta_spark_string(full) }}) then null
    when coalesce({{ parts.s }}, 0) > 59 then null
    when {{ parts.h }} = 24
      then
        case
          when {{ parts.mi }} = 0 and {{ seconds }} = 0
            then make_timestamp({{ parts.y }}, {{ parts.mo }}, {{ parts.d }}, 0, 0, 0) + interval 1 day
        end
    when {{ parts.h }} > 23 then null
    else
      make_timestamp(
        {{ parts.y }}, {{ parts.mo }}, {{ parts.d }},
        coalesce({{ parts.h }}, 0), coalesce({{ parts.mi }}, 0), {{ seconds }}
      )
  end
{%- endmacro %}


{#- Money: a plain decimal number. rlike matches anywhere, hence the anchors; \z (not $) so
    that a trailing line break does not pass, as with DuckDB's regexp_full_match. -#}
{% macro spark__kanta_try_amount(column) -%}
  case
    when {{ kanta_clean(column) }} rlike {{ kanta_spark_string('^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)\\z') }}
      then try_cast({{ kanta_clean(column) }} as decimal(18, 2))
  end
{%- endmacro %}


{% macro spark__kanta_try_integer(column) -%}
  case
    when {{ kanta_clean(column) }} rlike {{ kanta_spark_string('^[+-]?[0-9]+([.]0*)?\\z') }}
      then try_cast(try_cast({{ kanta_clean(column) }} as decimal(18, 2)) as bigint)
  end
{%- endmacro %}


{#- DuckDB's to_json keeps null members ("x":null); Spark drops them unless told not to. -#}
{% macro spark__kanta_json_object(pairs) -%}
  to_json(named_struct(
    {%- for key, expression in pairs %}
      '{{ key }}', {{ expression }}{{ "," if not loop.last }}
    {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}


{% macro spark__kanta_sha256(expression) -%}
  sha2(cast({{ expression }} as string), 256)
{%- endmacro %}


{#- Spark's hash() is 32-bit: xxhash64. -#}
{% macro spark__kanta_hash64(expression) -%}
  xxhash64({{ expression }})
{%- endmacro %}

{#- xxhash64, summed as a decimal so that the sum cannot overflow. -#}
{% macro spark__kanta_row_hash(columns) -%}
  cast(xxhash64({{ columns | join(', ') }}) as decimal(38, 0))
{%- endmacro %}
