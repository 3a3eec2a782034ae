"""Compare the marts of a Spark build with those of a DuckDB build, row for row.

    python -m kanta.spark_compare --duckdb kanta.duckdb --spark-warehouse .spark/warehouse

Every table of the compared schemas (marts, audit and semantic) in the DuckDB file is read on
both sides and compared as a multiset of rows, whatever the order: column names must be equal,
and values equal after normalising types (decimals by value, doubles within a relative 1e-9,
timestamps without time zone, dates, strings exactly, null only equal to null). The Spark side
is read from the Parquet files of the Spark warehouse (`<warehouse>/<schema>.db/<table>`, the
layout of the local `spark` target), or from a live SparkSession (`compare(..., spark=session)`),
e.g. on a cluster. A per-table summary is printed; the exit code is 1 on any difference.

Some columns and tables differ by design and are left out, each with the reason printed:
EXPECTED_DIFFERENCES.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

#: Schemas compared by default: the public marts, the audit of the load, the semantic layer.
SCHEMAS: tuple[str, ...] = ("marts", "audit", "semantic")

#: Relative tolerance for doubles (sums and divisions in another order).
DOUBLE_TOLERANCE = 1e-9

#: What differs between the engines by design: (schema, table) -> columns left out (empty
#: tuple: the whole table), with the reason.
EXPECTED_DIFFERENCES: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("marts", "build_info"): (
        ("built_at", "engine"),
        "when and on which engine the build ran",
    ),
    ("marts", "customer_predictions"): (
        (),
        "fitted by dbt Python models, which dbt-spark runs only on Databricks; on Spark the "
        "predictions come from `python -m kanta predict` (null until it runs)",
    ),
    ("marts", "prediction_parameters"): (
        (),
        "fitted by dbt Python models, which dbt-spark runs only on Databricks; on Spark the "
        "parameters come from `python -m kanta predict` ('not_run' until it runs)",
    ),
}

Row = tuple[Any, ...]


@dataclass
class Table:
    """Column names and rows of one side."""

    columns: list[str]
    rows: list[Row]


@dataclass
class Result:
    """The comparison of one table."""

    schema: str
    name: str
    duckdb_rows: int | None = None
    spark_rows: int | None = None
    status: str = "equal"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("equal", "excluded")


# --------------------------------------------------------------------------------------
# Normalising values
# --------------------------------------------------------------------------------------


def _normal(value: Any) -> Any:
    """One canonical Python value per SQL value, whichever engine or reader gave it."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, (dt.date, bytes)):
        return value
    return str(value)


def _sort_key(row: Row) -> tuple[Any, ...]:
    """Orders rows the same way on both sides: floats rounded so that values within the
    tolerance sort alike, nulls first, values of different types apart."""
    key: list[Any] = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float):
            if math.isnan(value):
                key.append((1, "nan"))
            else:
                key.append((1, float(f"{value:.6g}")))
        elif isinstance(value, Decimal):
            key.append((1, float(value)))
        elif isinstance(value, bool):
            key.append((2, value))
        elif isinstance(value, dt.datetime):
            key.append((3, value.isoformat()))
        elif isinstance(value, dt.date):
            key.append((3, value.isoformat()))
        else:
            key.append((4, str(value)))
    return tuple(key)


def values_equal(left: Any, right: Any) -> bool:
    """SQL values equal across engines: numbers by value (doubles within DOUBLE_TOLERANCE)."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    numbers = (Decimal, float)
    if isinstance(left, numbers) and isinstance(right, numbers):
        if isinstance(left, float) or isinstance(right, float):
            a, b = float(left), float(right)
            if math.isnan(a) or math.isnan(b):
                return math.isnan(a) and math.isnan(b)
            return math.isclose(a, b, rel_tol=DOUBLE_TOLERANCE, abs_tol=1e-12)
        return left == right
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        return left == right
    if type(left) is not type(right):
        return False
    return left == right


def _prepare(rows: Iterable[Sequence[Any]]) -> list[Row]:
    return sorted((tuple(_normal(v) for v in row) for row in rows), key=_sort_key)


# --------------------------------------------------------------------------------------
# Reading both sides
# --------------------------------------------------------------------------------------


def duckdb_tables(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> list[tuple[str, str]]:
    """(schema, table) of every table (not view) of the schemas, sorted."""
    placeholders = ", ".join("?" for _ in schemas)
    return [
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in ({placeholders}) and table_type = 'BASE TABLE'"
            " order by table_schema, table_name",
            list(schemas),
        ).fetchall()
    ]


def read_duckdb(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> Table:
    result = con.execute(f'select * from "{schema}"."{name}"')
    return Table([c[0] for c in result.description], result.fetchall())


def parquet_reader(warehouse: Path) -> Callable[[str, str], Table | None]:
    """Reads `<warehouse>/<schema>.db/<table>` (the Spark warehouse layout) with DuckDB."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")

    def read(schema: str, name: str) -> Table | None:
        folder = warehouse / f"{schema}.db" / name
        files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
        if not folder.is_dir():
            return None
        if not files:
            # An empty Spark table may have no data file at all.
            return Table([], [])
        paths = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
        result = con.execute(f"select * from read_parquet([{paths}])")
        return Table([c[0] for c in result.description], result.fetchall())

    return read


def session_reader(spark: Any) -> Callable[[str, str], Table | None]:
    """Reads tables through a live SparkSession (a cluster, or the dbt process's own).
    Timestamps travel as text, so that the Python process's time zone plays no part."""

    def read(schema: str, name: str) -> Table | None:
        if not spark.catalog.tableExists(name, schema):
            return None
        frame = spark.table(f"`{schema}`.`{name}`")
        columns = []
        kinds = []
        for column in frame.schema.fields:
            kind = column.dataType.simpleString()
            kinds.append(kind)
            if kind.startswith("timestamp"):
                columns.append(f"date_format(`{column.name}`, 'yyyy-MM-dd HH:mm:ss.SSSSSS') as `{column.name}`")
            else:
                columns.append(f"`{column.name}`")
        rows = []
        for row in frame.selectExpr(*columns).collect():
            values = list(row)
            for i, kind in enumerate(kinds):
                if kind.startswith("timestamp") and values[i] is not None:
                    values[i] = dt.datetime.fromisoformat(values[i])
            rows.append(tuple(values))
        return Table([f.name for f in frame.schema.fields], rows)

    return read


# --------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------


def compare_table(schema: str, name: str, duck: Table, spark: Table | None, max_examples: int = 5) -> Result:
    result = Result(schema, name, duckdb_rows=len(duck.rows))
    expected = EXPECTED_DIFFERENCES.get((schema, name))
    if expected and not expected[0]:
        result.status = "excluded"
        result.notes.append(expected[1])
        result.spark_rows = None if spark is None else len(spark.rows)
        return result
    if spark is None:
        result.status = "MISSING"
        result.notes.append("no such table in the Spark build")
        return result
    result.spark_rows = len(spark.rows)
    if not spark.columns and not spark.rows and duck.rows:
        result.status = "DIFFERENT"
        result.notes.append("the Spark table has no data files")
        return result

    left_columns = [c.lower() for c in duck.columns]
    right_columns = [c.lower() for c in spark.columns] if spark.columns else left_columns
    if sorted(left_columns) != sorted(right_columns):
        result.status = "DIFFERENT"
        only_duck = sorted(set(left_columns) - set(right_columns))
        only_spark = sorted(set(right_columns) - set(left_columns))
        result.notes.append(f"columns differ: only DuckDB {only_duck}, only Spark {only_spark}")
        return result
    if left_columns != right_columns:
        result.notes.append("same columns in another order")

    skipped = set(expected[0]) if expected else set()
    if skipped:
        result.notes.append(f"not compared: {', '.join(sorted(skipped))} ({expected[1]})")
    kept = [c for c in left_columns if c not in skipped]
    left_index = [left_columns.index(c) for c in kept]
    right_index = [right_columns.index(c) for c in kept]
    left = _prepare([tuple(row[i] for i in left_index) for row in duck.rows])
    right = _prepare([tuple(row[i] for i in right_index) for row in spark.rows]) if spark.columns else []

    if len(left) != len(right):
        result.status = "DIFFERENT"
        result.notes.append(f"row counts differ: DuckDB {len(left)}, Spark {len(right)}")
    differing = 0
    for a, b in zip(left, right):
        if not all(values_equal(x, y) for x, y in zip(a, b)):
            differing += 1
            if differing <= max_examples:
                cols = [kept[i] for i, (x, y) in enumerate(zip(a, b)) if not values_equal(x, y)]
                pairs = ", ".join(f"{c}: {a[kept.index(c)]!r} vs {b[kept.index(c)]!r}" for c in cols)
                result.notes.append(f"row differs ({pairs})")
    if differing:
        result.status = "DIFFERENT"
        result.notes.append(f"{differing} of {len(left)} rows differ (rows matched after sorting)")
    return result


def compare(
    duckdb_path: Path | str,
    *,
    warehouse: Path | str | None = None,
    spark: Any = None,
    schemas: Sequence[str] = SCHEMAS,
) -> list[Result]:
    """Compare every table of `schemas` in the DuckDB file with the Spark build (read from the
    Parquet warehouse folder, or through the SparkSession `spark`)."""
    if (warehouse is None) == (spark is None):
        raise ValueError("give exactly one of warehouse and spark")
    reader = session_reader(spark) if spark is not None else parquet_reader(Path(warehouse))
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.ConnectionException:
        # The file is open in this process already (dbt-duckdb keeps its connection).
        con = duckdb.connect(str(duckdb_path))
    try:
        results = []
        for schema, name in duckdb_tables(con, schemas):
            results.append(compare_table(schema, name, read_duckdb(con, schema, name), reader(schema, name)))
        return results
    finally:
        con.close()


def format_results(results: Sequence[Result]) -> str:
    """The per-table summary printed by the command line."""
    header = ("table", "duckdb rows", "spark rows", "result")
    lines = [(f"{r.schema}.{r.name}", "-" if r.duckdb_rows is None else str(r.duckdb_rows),
              "-" if r.spark_rows is None else str(r.spark_rows), r.status) for r in results]
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    for result, line in zip(results, lines):
        out.append("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())
        for note in result.notes:
            out.append(" " * (widths[0] + 2) + "- " + note)
    failed = [r for r in results if not r.ok]
    out.append("")
    out.append(f"{len(results)} tables: {sum(r.status == 'equal' for r in results)} equal, "
               f"{sum(r.status == 'excluded' for r in results)} excluded, {len(failed)} different")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kanta.spark_compare",
        description="Compare every mart of a Spark build with a DuckDB build, row for row "
                    "(order-independent; decimals exact, doubles within a relative 1e-9).",
    )
    parser.add_argument("--duckdb", required=True, type=Path, help="the DuckDB file of the DuckDB build")
    parser.add_argument("--spark-warehouse", required=True, type=Path,
                        help="spark.sql.warehouse.dir of the Spark build (default target: .spark/warehouse)")
    parser.add_argument("--schema", action="append", dest="schemas",
                        help=f"schema to compare (repeatable; default: {', '.join(SCHEMAS)})")
    args = parser.parse_args(argv)
    if not args.duckdb.exists():
        parser.error(f"no such DuckDB file: {args.duckdb}")
    if not args.spark_warehouse.is_dir():
        parser.error(f"no such Spark warehouse folder: {args.spark_warehouse}")
    results = compare(args.duckdb, warehouse=args.spark_warehouse, schemas=args.schemas or SCHEMAS)
    print(format_results(results))
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
