{#-
  Reading the shop's raw files in place (SPEC section 2).

  The base model of each raw table calls kanta_read_raw(source('shop', '<table>')). It finds
  `<raw_dir>/<table>.csv` or `<table>.parquet`, checks the required columns declared in
  _shop__sources.yml, and returns every row with every contract column as text, so that one
  bad value never aborts the load: parsing happens in the checked models, where a value that
  does not parse sends its row to the quarantine.

  A Parquet column already of the contract's type (a DECIMAL amount, a TIMESTAMP, ...) is
  passed through typed instead (kanta_is_native_raw_type): it cannot hold unparseable text,
  and the checked model takes it as it is.

  CSV files are read with an explicit dialect (comma, double quote, header line) and DuckDB's
  store_rejects: a line that cannot be split into fields (wrong field count, broken quoting,
  bytes that are not UTF-8) is kept in a temporary table, and the base model's post-hook adds
  it to the base table with its raw text.

  The base models are tables for CSV files and views over the file for Parquet on DuckDB
  (materialization kanta_raw, macros/materializations/raw_table.sql).

  Columns of every base model:
    <contract columns>      text as written (typed for native Parquet columns); null where
                            the file lacks an optional column
    _kanta_row_number       position of a parsed row in the file (1, 2, ...); null for rejects
    _kanta_line_number      file line of an unparseable line; null for parsed rows
    _kanta_raw_line         raw text of an unparseable line
    _kanta_parse_error      why the line could not be parsed; null for parsed rows
    _kanta_source_file      the file read
    _kanta_missing_columns  comma-wrapped list of optional columns the file lacks (',status,')
-#}

{% macro kanta_raw_table_spec(table_name) %}
  {#- The graph is empty while dbt parses; the SQL is only needed once it executes. -#}
  {%- if not execute -%}
    {%- do return({'columns': {}, 'meta': {}}) -%}
  {%- endif -%}
  {%- for node in graph.sources.values() if node.source_name == 'shop' and node.name == table_name -%}
    {%- do return(node) -%}
  {%- endfor -%}
  {%- do exceptions.raise_compiler_error("kanta: '" ~ table_name ~ "' is not a raw table declared in models/staging/shop/_shop__sources.yml") -%}
{% endmacro %}


{% macro kanta_raw_dir() %}
  {%- do return((var('raw_dir') | string).rstrip('/')) -%}
{% endmacro %}


{% macro kanta_sql_string(value) %}
  {%- do return("'" ~ (value | string).replace("'", "''") ~ "'") -%}
{% endmacro %}


{#- A SQL list of string literals: 'a', 'b'. -#}
{% macro kanta_sql_list(values) %}
  {%- set literals = [] -%}
  {%- for value in values -%}{%- do literals.append(kanta_sql_string(value)) -%}{%- endfor -%}
  {%- do return(literals | join(', ')) -%}
{% endmacro %}


{#- The raw file of a table: {'path': ..., 'format': 'csv' | 'parquet'}, or none when absent. -#}
{% macro kanta_locate_raw_file(table_name) %}
  {{ return(adapter.dispatch('kanta_locate_raw_file', 'kanta')(table_name)) }}
{% endmacro %}

{% macro default__kanta_locate_raw_file(table_name) %}
  {%- set stem = kanta_raw_dir() ~ '/' ~ table_name -%}
  {%- set found = [] -%}
  {%- for fmt in ['csv', 'parquet'] -%}
    {%- set result = run_query("select count(*) from glob(" ~ kanta_sql_string(stem ~ '.' ~ fmt) ~ ")") -%}
    {%- if result.rows[0][0] > 0 -%}
      {%- do found.append({'path': stem ~ '.' ~ fmt, 'format': fmt}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if found | length > 1 -%}
    {%- do exceptions.raise_compiler_error("kanta: both " ~ stem ~ ".csv and " ~ stem ~ ".parquet exist; keep one file per table") -%}
  {%- endif -%}
  {%- do return(found[0] if found else none) -%}
{% endmacro %}


{#- Header names as kanta compares them: trimmed, unquoted, in lower case. -#}
{% macro kanta_clean_header(names) %}
  {%- set header = [] -%}
  {%- for name in names -%}
    {%- do header.append(name | trim | trim('"') | trim | lower) -%}
  {%- endfor -%}
  {%- do return(header) -%}
{% endmacro %}


{#- The names of a CSV's first line (query rows of one text column; BOM removed); an empty
    file stops the build naming it. -#}
{% macro kanta_first_line_names(raw_file, rows) %}
  {%- if rows | length == 0 or rows[0][0] is none -%}
    {%- do exceptions.raise_compiler_error("kanta: " ~ raw_file.path ~ " is empty: it needs a header line") -%}
  {%- endif -%}
  {%- do return(rows[0][0].replace('\ufeff', '').split(',')) -%}
{% endmacro %}


{#- The column names of a raw file, in file order, trimmed and in lower case. -#}
{% macro kanta_raw_header(raw_file) %}
  {{ return(adapter.dispatch('kanta_raw_header', 'kanta')(raw_file)) }}
{% endmacro %}

{% macro default__kanta_raw_header(raw_file) %}
  {%- set path = kanta_sql_string(raw_file.path) -%}
  {%- if raw_file.format == 'parquet' -%}
    {%- set result = run_query("select name from parquet_schema(" ~ path ~ ") where num_children is null") -%}
    {%- set names = result.columns[0].values() -%}
  {%- else -%}
    {#- The first line alone, read as one field, so that no dialect guess is involved. -#}
    {%- set result = run_query(
        "select line from read_csv(" ~ path ~ ", header = false, auto_detect = false,"
        ~ " columns = {'line': 'VARCHAR'}, delim = '\x1f', quote = '', escape = '',"
        ~ " store_rejects = true, rejects_table = 'kanta_header_rejects') limit 1") -%}
    {%- set names = kanta_first_line_names(raw_file, result.rows) -%}
  {%- endif -%}
  {%- do return(kanta_clean_header(names)) -%}
{% endmacro %}


{#- Contract checks shared by every engine's reader. A required file that is absent stops the
    build with one line naming it. -#}
{% macro kanta_require_raw_file(table_name, spec, raw_file) %}
  {%- if execute and raw_file is none and spec.meta.get('required') -%}
    {%- do exceptions.raise_compiler_error(
        "kanta: required raw file missing: " ~ kanta_raw_dir() ~ "/" ~ table_name
        ~ ".csv (or .parquet) was not found (raw_dir = '" ~ kanta_raw_dir() ~ "')") -%}
  {%- endif -%}
{% endmacro %}


{#- The optional contract columns the file lacks; a missing required column stops the build
    with one line naming the file and the column. -#}
{% macro kanta_missing_raw_columns(raw_file, header, contract) %}
  {%- set missing = [] -%}
  {%- for column in contract if column.name not in header -%}
    {%- if column.meta.get('required') -%}
      {%- do exceptions.raise_compiler_error(
          "kanta: " ~ raw_file.path ~ ": required column '" ~ column.name ~ "' is missing"
          ~ " (columns found: " ~ (header | join(', ')) ~ ")") -%}
    {%- endif -%}
    {%- do missing.append(column.name) -%}
  {%- endfor -%}
  {%- do return(missing) -%}
{% endmacro %}


{#- An absent optional file (or parse time): an empty table with the base model's columns. -#}
{% macro kanta_empty_raw_select(contract) -%}
select
  {%- for column in contract %}
  cast(null as string) as {{ column.name }},
  {%- endfor %}
  cast(null as bigint) as _kanta_row_number,
  cast(null as bigint) as _kanta_line_number,
  cast(null as string) as _kanta_raw_line,
  cast(null as string) as _kanta_parse_error,
  cast(null as string) as _kanta_source_file,
  cast(null as string) as _kanta_missing_columns
where false
{%- endmacro %}


{#- The contract checks shared by every engine, then the engine's reader of the file. -#}
{% macro kanta_read_raw(source_relation) %}
  {%- set table_name = source_relation.identifier -%}
  {%- set spec = kanta_raw_table_spec(table_name) -%}
  {%- set contract = spec.columns.values() | list -%}
  {%- set raw_file = kanta_locate_raw_file(table_name) if execute else none -%}
  {%- do kanta_require_raw_file(table_name, spec, raw_file) -%}
  {%- if raw_file is none -%}
    {{ return(kanta_empty_raw_select(contract)) }}
  {%- endif -%}
  {%- set header = kanta_raw_header(raw_file) -%}
  {%- set missing = kanta_missing_raw_columns(raw_file, header, contract) -%}
  {{ return(adapter.dispatch('kanta_read_raw_file', 'kanta')(table_name, raw_file, header, missing, contract)) }}
{% endmacro %}

{#- Does a Parquet column of this DuckDB type already hold values of the contract's kind?
    Such columns are passed through typed (kanta_parsed_columns then skips the text round
    trip); any other column is read as text and parsed like CSV. Amounts: integers and
    decimals of at most 2 decimal places; numbers: integers; timestamps: TIMESTAMP and DATE
    (as written, no time zone); booleans: BOOLEAN. -#}
{% macro kanta_is_native_raw_type(kind, data_type) %}
  {%- set data_type = data_type | upper | replace(' ', '') -%}
  {%- set integers = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT'] -%}
  {%- if kind == 'amount' -%}
    {%- do return(data_type in integers or modules.re.fullmatch('DECIMAL\\([0-9]+,[0-2]\\)', data_type) is not none) -%}
  {%- elif kind == 'number' -%}
    {%- do return(data_type in integers) -%}
  {%- elif kind == 'timestamp' -%}
    {%- do return(data_type in ['TIMESTAMP', 'DATE']) -%}
  {%- elif kind == 'boolean' -%}
    {%- do return(data_type == 'BOOLEAN') -%}
  {%- endif -%}
  {%- do return(false) -%}
{% endmacro %}


{#- The select of a raw file that exists: its contract columns as text (or typed, for Parquet
    columns of the contract's own type), with row numbers. -#}
{% macro default__kanta_read_raw_file(table_name, raw_file, header, missing, contract) %}

  {#- Row numbers: Parquet files number their rows themselves (file_row_number, read in
      parallel); CSV rows are numbered in the order read. -#}
  {%- set row_number = 'row_number() over ()' -%}
  {%- if raw_file.format == 'parquet' -%}
    {%- if 'file_row_number' in header -%}
      {%- set reader = "read_parquet(" ~ kanta_sql_string(raw_file.path) ~ ")" -%}
    {%- else -%}
      {%- set reader = "read_parquet(" ~ kanta_sql_string(raw_file.path) ~ ", file_row_number = true)" -%}
      {%- set row_number = 'file_row_number + 1' -%}
    {%- endif -%}
    {%- set field_names = [] -%}
    {%- for name in header -%}{%- do field_names.append('"' ~ name ~ '"') -%}{%- endfor -%}
    {#- The file's own types, by column name as the header has them. -#}
    {%- set parquet_types = {} -%}
    {%- for row in run_query("select lower(trim(column_name)), column_type from (describe select * from "
        ~ reader ~ ")").rows -%}
      {%- do parquet_types.update({row[0]: row[1]}) -%}
    {%- endfor -%}
  {%- else -%}
    {#- Fields are named by position (f1, f2, ...): header names need no quoting. -#}
    {%- set field_types = [] -%}
    {%- set field_names = [] -%}
    {%- for name in header -%}
      {%- do field_types.append("'f" ~ loop.index ~ "': 'VARCHAR'") -%}
      {%- do field_names.append('f' ~ loop.index) -%}
    {%- endfor -%}
    {%- set reader = "read_csv(" ~ kanta_sql_string(raw_file.path)
        ~ ", header = true, auto_detect = false, columns = {" ~ (field_types | join(', ')) ~ "}"
        ~ ", delim = ',', quote = '\"', escape = '\"', strict_mode = true"
        ~ ", store_rejects = true, rejects_table = 'kanta_rejects_" ~ table_name ~ "'"
        ~ ", rejects_scan = 'kanta_rejects_scan_" ~ table_name ~ "')" -%}
  {%- endif %}
select
  {%- for column in contract %}
  {%- if column.name in header and raw_file.format == 'parquet'
        and kanta_is_native_raw_type(column.meta.get('kind', 'text'), parquet_types.get(column.name, '')) %}
  {{ field_names[header.index(column.name)] }} as {{ column.name }},
  {%- elif column.name in header %}
  cast({{ field_names[header.index(column.name)] }} as varchar) as {{ column.name }},
  {%- else %}
  cast(null as varchar) as {{ column.name }},
  {%- endif %}
  {%- endfor %}
  {{ row_number }} as _kanta_row_number,
  cast(null as bigint) as _kanta_line_number,
  cast(null as varchar) as _kanta_raw_line,
  cast(null as varchar) as _kanta_parse_error,
  {{ kanta_sql_string(raw_file.path) }} as _kanta_source_file,
  {{ kanta_sql_string(',' ~ (missing | join(',')) ~ ',') }} as _kanta_missing_columns
from {{ reader }}
{% endmacro %}


{#- Base model hooks: clear the reject tables before a CSV read, add the rejects after it. -#}
{% macro kanta_raw_rejects_reset(this_relation) %}
  {%- set table_name = this_relation.identifier | replace('base_shop__', '') -%}
  {%- if execute and adapter.type() == 'duckdb' -%}
drop table if exists temp.kanta_rejects_{{ table_name }};
drop table if exists temp.kanta_rejects_scan_{{ table_name }};
  {%- endif -%}
{% endmacro %}

{% macro kanta_raw_rejects_append(this_relation) %}
  {%- set table_name = this_relation.identifier | replace('base_shop__', '') -%}
  {%- if execute and adapter.type() == 'duckdb' -%}
    {%- set raw_file = kanta_locate_raw_file(table_name) -%}
    {%- if raw_file is not none and raw_file.format == 'csv' -%}
insert into {{ this_relation }} (
  _kanta_line_number,
  _kanta_raw_line,
  _kanta_parse_error,
  _kanta_source_file
)
select
  line as _kanta_line_number,
  trim(csv_line, chr(10) || chr(13)) as _kanta_raw_line,
  string_agg(distinct lower(cast(error_type as varchar)), '; ') as _kanta_parse_error,
  {{ kanta_sql_string(raw_file.path) }} as _kanta_source_file
from temp.kanta_rejects_{{ table_name }}
group by line, csv_line
    {%- endif -%}
  {%- endif -%}
{% endmacro %}
