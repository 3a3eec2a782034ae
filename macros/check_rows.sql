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


{#- Select list: each contract column typed under its own name, and its raw value as
    raw__<name>. A column the base model passes through typed (a native Parquet column, see
    kanta_is_native_raw_type) is taken as it is, and its raw value is that typed value: its
    text is derived only where needed (kanta_raw_text: the quarantine, the checks of a row
    whose value is null). Every other column is parsed from its text, which is its raw value.
    The copy checks compare raw values: two values of a native type are equal exactly when
    their texts are. Casting every value to text here cost about 2 CPU-seconds of checking
    10M orders (amounts and timestamps), for the few rows that need it. -#}
{% macro kanta_parsed_columns(table_name) -%}
  {%- set parsers = {
      'key': kanta_clean, 'text': kanta_clean, 'timestamp': kanta_try_timestamp,
      'amount': kanta_try_amount, 'number': kanta_try_integer, 'boolean': kanta_try_boolean} -%}
  {%- set typed = {
      'timestamp': 'timestamp', 'amount': 'decimal(18, 2)', 'number': 'bigint', 'boolean': 'boolean'} -%}
  {%- set base_types = {} -%}
  {%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(ref('base_shop__' ~ table_name)) -%}
      {%- do base_types.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- for column in kanta_contract(table_name) %}
    {%- set base_type = base_types.get(column.name, 'varchar') %}
    {%- if column.kind in typed and base_type not in ('varchar', 'string', 'text') %}
        try_cast({{ column.name }} as {{ typed[column.kind] }}) as {{ column.name }},
    {%- else %}
        {{ parsers[column.kind](column.name) }} as {{ column.name }},
    {%- endif %}
        {{ column.name }} as raw__{{ column.name }},
  {%- endfor %}
        _kanta_row_number as file_row_number,
        _kanta_line_number as line_number,
        _kanta_raw_line as raw_line,
        _kanta_parse_error as parse_error,
        _kanta_source_file as source_file,
        _kanta_missing_columns as missing_columns
{%- endmacro %}


{#- The text of a raw__ column: its value for a text column, the value as text for a native
    Parquet column (kanta_parsed_columns). Casting text to text changes nothing. -#}
{% macro kanta_raw_text(raw_column) -%}
  cast({{ raw_column }} as string)
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
        when {{ column.name }} is null and {{ kanta_clean(kanta_raw_text('raw__' ~ column.name)) }} is null then 'missing_value'
  {%- endfor %}
  {%- for kind in ['timestamp', 'amount', 'number', 'boolean'] %}
    {%- for column in contract if column.kind == kind %}
        when {{ kanta_is_unparseable(kanta_raw_text('raw__' ~ column.name), column.name) }} then 'unparseable_{{ kind }}'
    {%- endfor %}
  {%- endfor %}
{%- endmacro %}


{#- What the quarantine shows of a row: its raw values as a JSON object (or the raw line). -#}
{% macro kanta_raw_values(table_name) -%}
  {%- set raw_columns = [] -%}
  {%- for column in kanta_contract(table_name) -%}
    {%- do raw_columns.append((column.name, kanta_raw_text('raw__' ~ column.name))) -%}
  {%- endfor -%}
  case
    when parse_error is not null
      then {{ kanta_json_object([('raw_line', 'raw_line'), ('parse_error', 'parse_error')]) }}
    else {{ kanta_json_object(raw_columns) }}
  end
{%- endmacro %}


{#- The last two columns of a checked model, for the quarantine: source_file and raw_values,
    both null on rows that are not quarantined (the file is constant per table, and the raw
    values of a loaded row are its typed columns). `relation` qualifies quarantine_reason and
    source_file when the select joins several relations. -#}
{% macro kanta_quarantine_evidence(table_name, relation=none) -%}
  {%- set qualifier = relation ~ '.' if relation else '' -%}
        case when {{ qualifier }}quarantine_reason is not null then {{ qualifier }}source_file end as source_file,
        case
            when {{ qualifier }}quarantine_reason is not null then {{ kanta_raw_values(table_name) }}
        end as raw_values
{%- endmacro %}


{#- How the checked models keep memory flat on big files. The wide parsed rows (raw text and
    typed values) are streamed, never held: `raw_rows` and `parsed` are inlined where they are
    read (kanta_inlined_cte), and the copy checks (kanta_copy_flags) aggregate only a 64-bit
    hash and the file row number of each row. Without the hints DuckDB holds the wide rows:
    at 100M orders that spilled tens of gigabytes. Spark plans CTEs itself: the hint is
    empty there. -#}
{% macro kanta_inlined_cte() -%}
  {{ return(adapter.dispatch('kanta_inlined_cte', 'kanta')()) }}
{%- endmacro %}

{% macro default__kanta_inlined_cte() -%}
  not materialized
{%- endmacro %}

{% macro spark__kanta_inlined_cte() -%}
{%- endmacro %}


{#- The column whose value identifies one row of a table (meta.conflict_key of the table in
    _shop__sources.yml): two different rows holding the same key conflict, and all of them
    are quarantined. None for tables whose rows are events or lines (copies only collapse). -#}
{% macro kanta_conflict_key(table_name) -%}
  {%- do return(kanta_raw_table_spec(table_name).meta.get('conflict_key')) -%}
{%- endmacro %}


{#- The raw__ columns of a table's contract, in contract order. -#}
{% macro kanta_raw_column_names(table_name) -%}
  {%- set raw_columns = [] -%}
  {%- for column in kanta_contract(table_name) -%}
    {%- do raw_columns.append('raw__' ~ column.name) -%}
  {%- endfor -%}
  {%- do return(raw_columns) -%}
{%- endmacro %}


{#- The group a row's copy checks look in, as a 64-bit hash: select it as copy_group_hash in
    `parsed`, over the raw columns (named as in the contract). Exact copies of a row, and
    every row holding the same trimmed conflict key (kanta_conflict_key), always share it: the
    hash of the key, or of the whole raw row when the table has no conflict key (or the key is
    empty). Only rows whose group is shared are compared further, exactly, by
    kanta_copy_flags: a hash collision costs a needless comparison, never a wrong flag. -#}
{% macro kanta_copy_group_hash(table_name) -%}
  {%- set key_column = kanta_conflict_key(table_name) -%}
  {%- set names = kanta_contract(table_name) | map(attribute='name') | list -%}
  {%- set raw_tuple = kanta_hash64(names | join(', ')) -%}
  {%- if key_column -%}
  case
    when {{ kanta_clean(key_column) }} is null then {{ raw_tuple }}
    else {{ kanta_hash64(kanta_clean(key_column)) }}
  end
  {%- else -%}
  {{ raw_tuple }}
  {%- endif -%}
{%- endmacro %}


{#- A select of every row of the CTE `rows` with first_copy_row_number: for a row whose exact
    raw text occurs more than once, the file row of its first copy (null for a row that occurs
    once); and, for a table with a conflict key (kanta_conflict_key), is_conflicting: the key
    is held by two or more different rows. `rows` needs copy_group_hash, file_row_number and
    the raw__ columns of table_name; it is read three times, so inline it (kanta_inlined_cte)
    rather than hold it.

    In two passes, so that no big table is ever grouped by text: the repeated values of the
    64-bit copy_group_hash are found first (kanta_repeated_values), and only the rows whose
    hash repeats (duplicates, rows sharing a key, rare hash collisions: a small set) are
    compared by their raw values, exactly (window partitions treat nulls as equal, as a copy
    should). Rows without a file row number (lines the CSV reader rejected) are quarantined
    anyway and never flagged. -#}
{% macro kanta_copy_flags(rows, table_name) -%}
  {%- set key_column = kanta_conflict_key(table_name) -%}
  {%- set raw_columns = kanta_raw_column_names(table_name) | join(', ') %}
    select
        {{ rows }}.*,
        copy_flags.first_copy_row_number
        {%- if key_column %},
        coalesce(copy_flags.is_conflicting, false) as is_conflicting
        {%- endif %}
    from {{ rows }}
    left join (
        select
            file_row_number,
            case when copies > 1 then first_row_number end as first_copy_row_number
            {%- if key_column %},
            {{ key_column }} is not null
            and max(variant) over (partition by {{ key_column }}) > 1 as is_conflicting
            {%- endif %}
        from (
            select
                file_row_number,
                {%- if key_column %}
                {{ key_column }},
                dense_rank() over (partition by {{ key_column }} order by {{ raw_columns }}) as variant,
                {%- endif %}
                count(*) over (partition by {{ raw_columns }}) as copies,
                min(file_row_number) over (partition by {{ raw_columns }}) as first_row_number
            from {{ rows }}
            where
                file_row_number is not null
                and copy_group_hash in (
                    {{ kanta_repeated_values('copy_group_hash', rows) | indent(16) }}
                )
        ) as suspects
    ) as copy_flags
        on {{ rows }}.file_row_number = copy_flags.file_row_number
{%- endmacro %}


{#- True for the second and later copies of an exactly identical valid row: these are
    collapsed (counted, not loaded); the first copy goes on. Needs quarantine_reason,
    file_row_number and first_copy_row_number (kanta_copy_flags). -#}
{% macro kanta_is_collapsed_copy() -%}
  coalesce(quarantine_reason is null and file_row_number > first_copy_row_number, false)
{%- endmacro %}
