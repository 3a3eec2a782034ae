{#-
  Row checks shared by the checked models of staging (SPEC section 2, "Bad rows"). The contract
  in _shop__sources.yml (meta.kind, meta.required) decides how each column is parsed and which
  quarantine reasons apply; table-specific rules (negative totals, conflicting duplicates, lines
  without order) are written in the models themselves.
-#}

{#- [{'name': ..., 'kind': ..., 'required': ...}] in contract order. -#}
{% macro kanta_contract(table_name) %}
  {%- set columns = [] -%}
  {%- for column in kanta_raw_table_spec(table_name).columns.values() -%}
    {%- do columns.append({
        'name': column.name,
        'kind': column.meta.get('kind', 'text'),
        'required': column.meta.get('required', false)}) -%}
  {%- endfor -%}
  {%- do return(columns) -%}
{% endmacro %}


{#- Select list: each contract column typed under its own name, and its raw text as raw__<name>. -#}
{% macro kanta_parsed_columns(table_name) -%}
  {%- set parsers = {
      'key': kanta_clean, 'text': kanta_clean, 'timestamp': kanta_try_timestamp,
      'amount': kanta_try_amount, 'number': kanta_try_integer, 'boolean': kanta_try_boolean} -%}
  {%- for column in kanta_contract(table_name) %}
        {{ parsers[column.kind](column.name) }} as {{ column.name }},
        {{ column.name }} as raw__{{ column.name }},
  {%- endfor %}
        _kanta_row_number as file_row_number,
        _kanta_line_number as line_number,
        _kanta_raw_line as raw_line,
        _kanta_parse_error as parse_error,
        _kanta_source_file as source_file,
        _kanta_missing_columns as missing_columns
{%- endmacro %}


{#- `when ... then '<reason>'` branches of the contract rules, in order of precedence:
    unparseable_line, missing_key, missing_value, unparseable_timestamp, unparseable_amount,
    unparseable_number, unparseable_boolean. Use after kanta_parsed_columns. -#}
{% macro kanta_contract_reason_branches(table_name, missing_key_also=none) -%}
  {%- set contract = kanta_contract(table_name) -%}
  {%- set keys = contract | selectattr('kind', 'equalto', 'key') | map(attribute='name') | list -%}
        when parse_error is not null then 'unparseable_line'
        when {% for key in keys %}{{ key }} is null{{ ' or ' if not loop.last }}{% endfor %}
          {%- if missing_key_also %} or ({{ missing_key_also }}){% endif %} then 'missing_key'
  {%- for column in contract if column.required and column.kind not in ('key', 'text') %}
        when {{ column.name }} is null and {{ kanta_clean('raw__' ~ column.name) }} is null then 'missing_value'
  {%- endfor %}
  {%- for kind in ['timestamp', 'amount', 'number', 'boolean'] %}
    {%- for column in contract if column.kind == kind %}
        when {{ kanta_is_unparseable('raw__' ~ column.name, column.name) }} then 'unparseable_{{ kind }}'
    {%- endfor %}
  {%- endfor %}
{%- endmacro %}


{#- What the quarantine shows of a row: its raw values as a JSON object (or the raw line). -#}
{% macro kanta_raw_values(table_name) -%}
  {%- set raw_columns = [] -%}
  {%- for column in kanta_contract(table_name) -%}
    {%- do raw_columns.append((column.name, 'raw__' ~ column.name)) -%}
  {%- endfor -%}
  case
    when parse_error is not null
      then {{ kanta_json_object([('raw_line', 'raw_line'), ('parse_error', 'parse_error')]) }}
    else {{ kanta_json_object(raw_columns) }}
  end
{%- endmacro %}


{#- How the checked models keep memory flat on big files. The wide parsed rows (raw text and
    typed values) are streamed, never held: `raw_rows` and `parsed` are inlined where they are
    read (kanta_inlined_cte). The copy checks need every row's fingerprint twice (two
    aggregates), so a narrow CTE of fingerprint, file row and key is computed once and held
    (kanta_materialized_cte), and the join back recomputes the fingerprint of the streamed
    row. Without the hints DuckDB holds the wide rows: at 100M orders that spilled tens of
    gigabytes. Spark plans CTEs itself: the hints are empty there. -#}
{% macro kanta_materialized_cte() -%}
  {{ return(adapter.dispatch('kanta_materialized_cte', 'kanta')()) }}
{%- endmacro %}

{% macro default__kanta_materialized_cte() -%}
  materialized
{%- endmacro %}

{% macro spark__kanta_materialized_cte() -%}
{%- endmacro %}

{% macro kanta_inlined_cte() -%}
  {{ return(adapter.dispatch('kanta_inlined_cte', 'kanta')()) }}
{%- endmacro %}

{% macro default__kanta_inlined_cte() -%}
  not materialized
{%- endmacro %}

{% macro spark__kanta_inlined_cte() -%}
{%- endmacro %}


{#- Fingerprint of a row's raw text: exact duplicates have equal fingerprints. -#}
{% macro kanta_raw_fingerprint(table_name) -%}
  {%- set raw_columns = [] -%}
  {%- for column in kanta_contract(table_name) -%}
    {%- do raw_columns.append('raw__' ~ column.name) -%}
  {%- endfor -%}
  {{ kanta_row_fingerprint(raw_columns) }}
{%- endmacro %}


{#- The narrow part of the CTE `rows` the copy checks aggregate: row_fingerprint,
    file_row_number and, given key_column, the key. -#}
{% macro kanta_fingerprints(rows, key_column=none) -%}
    select
        row_fingerprint,
        file_row_number
        {%- if key_column %},
        {{ key_column }}
        {%- endif %}
    from {{ rows }}
{%- endmacro %}


{#- A select of every row of the CTE `rows` (needs row_fingerprint and file_row_number) with
    first_copy_row_number: for a row whose exact raw text occurs more than once, the file row of
    its first copy (null for a row that occurs once); and, given key_column, is_conflicting: the
    key is held by two or more different rows. Both come from aggregates over `fingerprints`
    (kanta_fingerprints of the same rows) joined back, not from window functions: a window over
    every row would sort the whole table twice. -#}
{% macro kanta_copy_flags(rows, fingerprints, key_column=none) -%}
    select
        {{ rows }}.*,
        repeated_rows.first_copy_row_number
        {%- if key_column %},
        conflicting_keys.conflicting_key is not null as is_conflicting
        {%- endif %}
    from {{ rows }}
    left join (
        select
            row_fingerprint as repeated_fingerprint,
            min(file_row_number) as first_copy_row_number
        from {{ fingerprints }}
        group by row_fingerprint
        having count(*) > 1
    ) as repeated_rows
        on {{ rows }}.row_fingerprint = repeated_rows.repeated_fingerprint
    {%- if key_column %}
    left join (
        select {{ key_column }} as conflicting_key
        from {{ fingerprints }}
        where {{ key_column }} is not null
        group by {{ key_column }}
        having min(row_fingerprint) <> max(row_fingerprint)
    ) as conflicting_keys
        on {{ rows }}.{{ key_column }} = conflicting_keys.conflicting_key
    {%- endif %}
{%- endmacro %}


{#- True for the second and later copies of an exactly identical valid row: these are
    collapsed (counted, not loaded); the first copy goes on. Needs quarantine_reason,
    file_row_number and first_copy_row_number (kanta_copy_flags). -#}
{% macro kanta_is_collapsed_copy() -%}
  coalesce(quarantine_reason is null and file_row_number > first_copy_row_number, false)
{%- endmacro %}
