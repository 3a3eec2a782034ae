{#-
  Parsing raw text into typed values without ever failing: each macro gives null when the
  text does not parse, and kanta_is_unparseable() tells a bad value from an empty one.
-#}

{#- Trimmed text, null when empty. -#}
{% macro kanta_clean(column) -%}
  nullif(trim({{ column }}), '')
{%- endmacro %}


{#- Timestamps as written, shop-local: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS[.fff]', ISO 8601 with
    'T'. A trailing UTC offset or 'Z' is dropped, never applied (SPEC section 2). -#}
{% macro kanta_try_timestamp(column) -%}
  {{ return(adapter.dispatch('kanta_try_timestamp', 'kanta')(column)) }}
{%- endmacro %}

{% macro default__kanta_try_timestamp(column) -%}
  try_cast({{ kanta_clean(column) }} as timestamp)
{%- endmacro %}


{#- Money: a plain decimal number ('12.50', '-3', '1e2' is refused). -#}
{% macro kanta_try_amount(column) -%}
  {{ return(adapter.dispatch('kanta_try_amount', 'kanta')(column)) }}
{%- endmacro %}

{% macro default__kanta_try_amount(column) -%}
  case
    when regexp_full_match({{ kanta_clean(column) }}, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)')
      then try_cast({{ kanta_clean(column) }} as decimal(18, 2))
  end
{%- endmacro %}


{#- Whole numbers ('3', '3.0'); a fraction or text gives null. -#}
{% macro kanta_try_integer(column) -%}
  {{ return(adapter.dispatch('kanta_try_integer', 'kanta')(column)) }}
{%- endmacro %}

{% macro default__kanta_try_integer(column) -%}
  case
    when regexp_full_match({{ kanta_clean(column) }}, '[+-]?[0-9]+([.]0*)?')
      then try_cast(try_cast({{ kanta_clean(column) }} as decimal(18, 2)) as bigint)
  end
{%- endmacro %}


{#- Booleans as shops write them: true/false, t/f, yes/no, y/n, 1/0, any letter case. -#}
{% macro kanta_try_boolean(column) -%}
  case
    when lower({{ kanta_clean(column) }}) in ('true', 't', 'yes', 'y', '1') then true
    when lower({{ kanta_clean(column) }}) in ('false', 'f', 'no', 'n', '0') then false
  end
{%- endmacro %}


{#- True when the text is present but its parse gave null. The parse is tested first: it is
    rarely null, and the text (trimmed, maybe cast from a native type) is then looked at only
    for those rows. -#}
{% macro kanta_is_unparseable(column, parsed) -%}
  ({{ parsed }} is null and {{ kanta_clean(column) }} is not null)
{%- endmacro %}


{#- A JSON object text from (key, expression) pairs, for the quarantine. -#}
{% macro kanta_json_object(pairs) -%}
  {{ return(adapter.dispatch('kanta_json_object', 'kanta')(pairs)) }}
{%- endmacro %}

{% macro default__kanta_json_object(pairs) -%}
  cast(to_json(struct_pack(
    {%- for key, expression in pairs %}
      {{ key }} := {{ expression }}{{ "," if not loop.last }}
    {%- endfor %}
    )) as varchar)
{%- endmacro %}


{#- A 64-bit hash of one or more expressions (comma-separated SQL). -#}
{% macro kanta_hash64(expression) -%}
  {{ return(adapter.dispatch('kanta_hash64', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_hash64(expression) -%}
  hash({{ expression }})
{%- endmacro %}


{#- Lower-case hex SHA-256 of a text. -#}
{% macro kanta_sha256(expression) -%}
  {{ return(adapter.dispatch('kanta_sha256', 'kanta')(expression)) }}
{%- endmacro %}

{% macro default__kanta_sha256(expression) -%}
  sha256({{ expression }})
{%- endmacro %}
