{#-
  Reading the shop's raw files in place on Spark (the Spark side of macros/read_raw.sql). The
  base tables get the same columns and, on the same file, the same rows as on DuckDB:

  - Files are found by listing raw_dir (binaryFile, which reads no content), so a missing
    optional file is not an error. raw_dir is any path Spark reads: a local folder, s3a://,
    hdfs://, abfss://, dbfs:/.
  - A CSV file is read as text lines (splittable, so large files read in parallel), numbered in
    file order, and split into records the way DuckDB's strict reader does: a quoted field may
    span lines, a quote inside an unquoted field is a literal character. Each record is then
    parsed with from_csv (comma, double quote, "" inside quotes). A line that cannot be parsed
    keeps its raw text and the reason DuckDB gives it:
      invalid encoding    bytes that are not UTF-8 (shown as '?', as DuckDB shows them)
      unquoted value      text after a closing quote, or a quote that never closes (it
                          swallows the rest of the file, as any CSV reader must)
      too many columns    more fields than the header (extra empty fields are ignored)
      missing columns     fewer fields than the header
    Blank lines are skipped, as DuckDB skips them.
    Lines and parsed rows are numbered in file order in parallel (the rows of the earlier
    input partitions plus the position in the partition), as DuckDB numbers them.
  - Parquet files are read with their own schema, every column cast to text.

  Known differences from DuckDB, all on lines that are quarantined anyway or on rare layouts:
  a record spanning lines is joined with LF whatever the file's line ends; a line with two
  parse errors lists them in a fixed order; the special timestamp words of DuckDB (epoch,
  infinity) are not read.
-#}

{#- The files directly in raw_dir, by file name. -#}
{% macro kanta_spark_raw_file_names() %}
  {%- set listing = run_query(
      "select regexp_extract(path, '[^/]*$', 0) as file_name from binaryFile.`"
      ~ kanta_raw_dir().replace('`', '``') ~ "`") -%}
  {%- do return(listing.columns[0].values() | list) -%}
{% endmacro %}


{% macro spark__kanta_locate_raw_file(table_name) %}
  {%- set stem = kanta_raw_dir() ~ '/' ~ table_name -%}
  {%- set file_names = kanta_spark_raw_file_names() -%}
  {%- set found = [] -%}
  {%- for fmt in ['csv', 'parquet'] -%}
    {%- if (table_name ~ '.' ~ fmt) in file_names -%}
      {%- do found.append({'path': stem ~ '.' ~ fmt, 'format': fmt}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if found | length > 1 -%}
    {%- do exceptions.raise_compiler_error("kanta: both " ~ stem ~ ".csv and " ~ stem ~ ".parquet exist; keep one file per table") -%}
  {%- endif -%}
  {%- do return(found[0] if found else none) -%}
{% endmacro %}


{#- `format`.`path` for a file in a from clause. -#}
{% macro kanta_spark_file(raw_file, fmt=none) %}
  {%- do return((fmt or raw_file.format) ~ ".`" ~ raw_file.path.replace('`', '``') ~ "`") -%}
{% endmacro %}


{% macro spark__kanta_raw_header(raw_file) %}
  {%- if raw_file.format == 'parquet' -%}
    {%- set result = run_query("select * from " ~ kanta_spark_file(raw_file) ~ " limit 0") -%}
    {%- set names = result.column_names -%}
  {%- else -%}
    {#- The first line alone, as text, so that no dialect guess is involved. -#}
    {%- set result = run_query("select value from " ~ kanta_spark_file(raw_file, 'text') ~ " limit 1") -%}
    {%- set names = kanta_first_line_names(raw_file, result.rows) -%}
  {%- endif -%}
  {%- do return(kanta_clean_header(names)) -%}
{% endmacro %}


{#-
  The regular expressions of the CSV dialect (comma, double quote, "" inside quotes), in Java
  syntax. A field is quoted (spaces around the quotes allowed, as DuckDB allows them),
  unquoted (not starting with a quote; later quotes are literal) or empty.
-#}
{% macro kanta_spark_csv_patterns() %}
  {%- set quoted = '[ \\t]*"(?:[^"]|"")*"[ \\t]*' -%}
  {%- set unquoted = '[^",][^,]*' -%}
  {%- set field = '(?:' ~ quoted ~ '|' ~ unquoted ~ '|)' -%}
  {#- A line (or its rest, from a field start) whose last field opens a quote that does not
      close on this line. -#}
  {%- set opens = '(?:' ~ field ~ ',)*[ \\t]*"(?:[^"]|"")*\\z' -%}
  {%- do return({
      'record': '^' ~ field ~ '(?:,' ~ field ~ ')*\\z',
      'opens': '^' ~ opens,
      'closes': '^(?:[^"]|"")*"(?!")',
      'closes_and_reopens': '^(?:[^"]|"")*"(?!")[^,]*,' ~ opens,
      'quoted_field': '(^|,)[ \\t]*("(?:[^"]|"")*")[ \\t]*(?=,|\\z)',
      'bare_field': '(?:"(?:[^"]|"")*"|' ~ unquoted ~ '|)',
  }) -%}
{% endmacro %}


{#-
  A select numbering the rows of `relation_sql` in file order (1, 2, ...) as `number_column`,
  in parallel: monotonically_increasing_id() is the row's position within its input partition
  (in the lower 33 bits), and the partitions of one file are in file order, so the number is
  the rows of the earlier partitions plus the position. `columns` are kept.
-#}
{% macro kanta_spark_file_order(relation_sql, columns, number_column) -%}
select
    {%- for column in columns %}
    kanta_rows.{{ column }},
    {%- endfor %}
    kanta_rows.kanta_partition,
    kanta_rows.kanta_row_id,
    kanta_offsets.kanta_offset + kanta_rows.kanta_row_id - shiftleft(cast(kanta_rows.kanta_partition as bigint), 33) + 1
        as {{ number_column }}
from (
    select
        kanta_source.*,
        spark_partition_id() as kanta_partition,
        monotonically_increasing_id() as kanta_row_id
    from ({{ relation_sql }}) as kanta_source
) as kanta_rows
inner join (
    select
        kanta_partition,
        coalesce(sum(kanta_rows_in_partition) over (
            order by kanta_partition rows between unbounded preceding and 1 preceding
        ), 0) as kanta_offset
    from (
        select
            spark_partition_id() as kanta_partition,
            count(*) as kanta_rows_in_partition
        from ({{ relation_sql }}) as kanta_source
        group by spark_partition_id()
    ) as kanta_partitions
) as kanta_offsets
    on kanta_rows.kanta_partition = kanta_offsets.kanta_partition
{%- endmacro %}


{% macro spark__kanta_read_raw_file(table_name, raw_file, header, missing, contract) %}
  {%- set source_file = kanta_sql_string(raw_file.path) -%}
  {%- set missing_columns = kanta_sql_string(',' ~ (missing | join(',')) ~ ',') -%}

  {%- if raw_file.format == 'parquet' -%}
    {%- set file_columns = run_query("select * from " ~ kanta_spark_file(raw_file) ~ " limit 0").column_names -%}
with

kanta_numbered as (
    {{ kanta_spark_file_order(
        'select * from ' ~ kanta_spark_file(raw_file),
        ['`' ~ (file_columns | join('`, kanta_rows.`')) ~ '`'],
        'kanta_row_number') }}
)

select
  {%- for column in contract %}
  {%- if column.name in header %}
  cast(`{{ file_columns[header.index(column.name)] }}` as string) as {{ column.name }},
  {%- else %}
  cast(null as string) as {{ column.name }},
  {%- endif %}
  {%- endfor %}
  kanta_row_number as _kanta_row_number,
  cast(null as bigint) as _kanta_line_number,
  cast(null as string) as _kanta_raw_line,
  cast(null as string) as _kanta_parse_error,
  {{ source_file }} as _kanta_source_file,
  {{ missing_columns }} as _kanta_missing_columns
from kanta_numbered
  {%- else -%}
    {%- set patterns = kanta_spark_csv_patterns() -%}
    {%- set header_fields = header | length -%}
    {%- set schema = [] -%}
    {%- for name in header -%}{%- do schema.append('f' ~ loop.index ~ ' string') -%}{%- endfor -%}
    {%- do schema.append('_corrupt_record string') -%}
with

kanta_lines as (
    -- Every line of the file, numbered as DuckDB numbers lines (the header is line 1).
    {{ kanta_spark_file_order(
        'select value from ' ~ kanta_spark_file(raw_file, 'text'),
        ['value'],
        'line_number') }}
),

kanta_decoded as (
    select
        line_number,
        kanta_partition,
        kanta_row_id,
        -- Bytes that are not UTF-8 become U+FFFD; a line that does not survive the round trip
        -- held such bytes.
        decode(cast(value as binary), 'UTF-8') as line_text,
        encode(decode(cast(value as binary), 'UTF-8'), 'UTF-8') <> cast(value as binary) as is_invalid_utf8
    from kanta_lines
    where line_number > 1
),

kanta_quote_lines as (
    -- Lines that open a quoted field they do not close (when they start outside quotes), or
    -- close one that an earlier line opened (when they start inside): the only lines that
    -- decide where multi-line records start and end. Usually none.
    select
        line_number,
        line_text rlike {{ kanta_spark_string(patterns.opens) }} as is_opening,
        line_text rlike {{ kanta_spark_string(patterns.closes) }} as is_closing,
        line_text rlike {{ kanta_spark_string(patterns.closes_and_reopens) }} as is_reopening
    from kanta_decoded
    where instr(line_text, '"') > 0
),

kanta_spans as (
    -- Lines open_line..close_line form one record (close_line null: to the end of the file),
    -- found by running the quote state through the lines above in file order.
    select inline(spans)
    from (
        select
            aggregate(
                array_sort(collect_list(struct(line_number, is_opening, is_closing, is_reopening))),
                named_struct(
                    'is_inside', false,
                    'open_line', cast(null as bigint),
                    'spans', cast(array() as array<struct<open_line: bigint, close_line: bigint>>)
                ),
                (state, line) -> case
                    when not state.is_inside and line.is_opening
                        then named_struct('is_inside', true, 'open_line', line.line_number, 'spans', state.spans)
                    when state.is_inside and line.is_closing and not line.is_reopening
                        then named_struct(
                            'is_inside', false,
                            'open_line', cast(null as bigint),
                            'spans', concat(state.spans, array(named_struct(
                                'open_line', state.open_line, 'close_line', line.line_number)))
                        )
                    else state
                end,
                state -> case
                    when state.is_inside
                        then concat(state.spans, array(named_struct(
                            'open_line', state.open_line, 'close_line', cast(null as bigint))))
                    else state.spans
                end
            ) as spans
        from kanta_quote_lines
    ) as kanta_state
),

kanta_span_lines as (
    select
        explode(sequence(open_line, close_line)) as line_number,
        open_line
    from kanta_spans
    where close_line is not null
),

kanta_open_to_end as (
    -- At most one span runs to the end of the file: a quote that never closes.
    select min(open_line) as open_line
    from kanta_spans
    where close_line is null
),

kanta_assigned as (
    select
        kanta_decoded.*,
        coalesce(
            kanta_span_lines.open_line,
            case when kanta_decoded.line_number >= kanta_open_to_end.open_line then kanta_open_to_end.open_line end
        ) as open_line
    from kanta_decoded
    left join kanta_span_lines
        on kanta_decoded.line_number = kanta_span_lines.line_number
    cross join kanta_open_to_end
),

kanta_records as (
    select
        line_number,
        kanta_partition,
        kanta_row_id,
        line_text as record_text,
        is_invalid_utf8
    from kanta_assigned
    where open_line is null
    union all
    select
        open_line as line_number,
        min(struct(line_number, kanta_partition)).kanta_partition as kanta_partition,
        min(struct(line_number, kanta_row_id)).kanta_row_id as kanta_row_id,
        concat_ws(
            '\n',
            transform(array_sort(collect_list(struct(line_number, line_text))), line -> line.line_text)
        ) as record_text,
        bool_or(is_invalid_utf8) as is_invalid_utf8
    from kanta_assigned
    where open_line is not null
    group by open_line
),

kanta_checked as (
    select
        *,
        record_text rlike {{ kanta_spark_string(patterns.record) }} as is_well_formed,
        -- Fields of a well-formed record: commas outside quoted fields, plus one.
        size(split(
            regexp_replace(record_text, {{ kanta_spark_string(patterns.quoted_field) }}, '$1'),
            ','
        )) as field_count,
        -- DuckDB ignores extra fields when all of them are empty.
        regexp_replace(
            regexp_replace(record_text, {{ kanta_spark_string(patterns.quoted_field) }}, '$1$2'),
            {{ kanta_spark_string('^((?:' ~ patterns.bare_field ~ ',){' ~ (header_fields - 1) ~ '}' ~ patterns.bare_field ~ ')(?:,(?:""|))*\\z') }},
            '$1'
        ) as record_fields_text
    from kanta_records
    -- Blank lines are skipped.
    where record_text <> ''
),

kanta_classified as (
    select
        *,
        nullif(concat_ws('; ',
            case when is_invalid_utf8 then 'invalid encoding' end,
            case when not is_well_formed then 'unquoted value' end,
            case when is_well_formed and field_count > {{ header_fields }}
                    and record_fields_text = regexp_replace(record_text, {{ kanta_spark_string(patterns.quoted_field) }}, '$1$2')
                then 'too many columns' end,
            case when is_well_formed and field_count < {{ header_fields }} then 'missing columns' end
        ), '') as parse_error
    from kanta_checked
),

kanta_parsed as (
    select
        line_number,
        kanta_partition,
        kanta_row_id,
        replace(record_text, '\ufffd', '?') as raw_line,
        parse_error,
        case
            when parse_error is null
                then from_csv(
                    record_fields_text,
                    {{ kanta_spark_string(schema | join(', ')) }},
                    map('sep', ',', 'quote', '"', 'escape', '"', 'mode', 'PERMISSIVE',
                        'columnNameOfCorruptRecord', '_corrupt_record')
                )
        end as fields
    from kanta_classified
),

kanta_good_offsets as (
    -- Parsed rows are numbered 1, 2, ... in file order (DuckDB's row_number() over ()).
    select
        kanta_partition,
        coalesce(sum(good_rows) over (
            order by kanta_partition rows between unbounded preceding and 1 preceding
        ), 0) as kanta_offset
    from (
        select
            kanta_partition,
            count(*) as good_rows
        from kanta_parsed
        where parse_error is null
        group by kanta_partition
    ) as kanta_good_partitions
)

select
  {%- for column in contract %}
  {%- if column.name in header %}
  kanta_parsed.fields.f{{ header.index(column.name) + 1 }} as {{ column.name }},
  {%- else %}
  cast(null as string) as {{ column.name }},
  {%- endif %}
  {%- endfor %}
  case
    when kanta_parsed.parse_error is null
      then kanta_good_offsets.kanta_offset + row_number() over (
        partition by kanta_parsed.kanta_partition, kanta_parsed.parse_error is null
        order by kanta_parsed.kanta_row_id
      )
  end as _kanta_row_number,
  case when kanta_parsed.parse_error is not null then kanta_parsed.line_number end as _kanta_line_number,
  case when kanta_parsed.parse_error is not null then kanta_parsed.raw_line end as _kanta_raw_line,
  kanta_parsed.parse_error as _kanta_parse_error,
  {{ source_file }} as _kanta_source_file,
  case when kanta_parsed.parse_error is null then {{ missing_columns }} end as _kanta_missing_columns
from kanta_parsed
left join kanta_good_offsets
  on kanta_parsed.kanta_partition = kanta_good_offsets.kanta_partition
  {%- endif -%}
{% endmacro %}
