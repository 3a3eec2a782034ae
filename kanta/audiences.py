"""Audience exports: the activation marts as files an email or ad tool can load (SPEC section 4).

`export_audiences(db_path, out_dir, fmt)` reads a built kanta DuckDB file and writes one file per
audience into `out_dir`:

* `reactivation_<automation>` for each automation of reactivation_audience (vip_lapsing,
  passive, new_at_risk; every automation of the seed reactivation_waves gets a file, empty or not),
* `quarterly_rewards`, `gift_anniversaries` (reminders that are due only),
* and, when those marts exist, `life_event_signals`, `replenishment_candidates` (due only) and
  `segment_offers`.

Every file carries customer_id, email_sha256 (sha256(lower(trim(email))) from
marts.customer_profiles, the key ad platforms match on; never a raw email) and the audience's
columns, and only rows that are marketable and not in the hold-out (is_control). Audiences whose
mart does not exist are skipped with a note on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

FORMATS = ("csv", "parquet")

# Columns that decide who is exported; they are filters, not content of the files.
_FLAG_COLUMNS = ("is_marketable", "is_control")


@dataclass(frozen=True)
class Audience:
    """One audience mart and how it becomes files."""

    mart: str
    # Extra row filter (SQL over the mart, aliased `audience`), e.g. only due reminders.
    where: str | None = None
    # Columns left out of the file besides the flags (e.g. the filter column itself).
    drop: tuple[str, ...] = ()
    # Write one file per value of this column, named <file_prefix>_<value>.
    split_by: str | None = None
    file_prefix: str | None = None
    # Rows in a stable order: customer_id, then these columns.
    order_by: tuple[str, ...] = field(default_factory=tuple)


AUDIENCES: tuple[Audience, ...] = (
    Audience("reactivation_audience", split_by="automation", file_prefix="reactivation",
             drop=("automation", "priority")),
    Audience("quarterly_rewards"),
    Audience("gift_anniversaries", where="audience.is_due", drop=("is_due",),
             order_by=("order_id",)),
    Audience("life_event_signals", order_by=("life_event",)),
    Audience("replenishment_candidates", where="audience.is_due", drop=("is_due",),
             order_by=("product_id",)),
    Audience("segment_offers", order_by=("segmentation", "segment")),
)


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of a table in order; empty when the table does not exist."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def _split_values(con: duckdb.DuckDBPyConnection, audience: Audience) -> list[str]:
    """Values to split an audience by: the seed's automations when present, plus the mart's."""
    assert audience.split_by is not None
    column = _quote_identifier(audience.split_by)
    values = {
        row[0]
        for row in con.execute(
            f"select distinct {column} from marts.{audience.mart} where {column} is not null"
        ).fetchall()
    }
    if audience.mart == "reactivation_audience" and _columns(con, "seeds", "reactivation_waves"):
        values |= {
            row[0]
            for row in con.execute(
                "select distinct automation from seeds.reactivation_waves where automation is not null"
            ).fetchall()
        }
    return sorted(values)


def _audience_query(audience: Audience, mart_columns: list[str], split_value: str | None) -> str:
    """SQL giving the rows of one audience file."""
    content = [
        column for column in mart_columns
        if column != "customer_id" and column not in _FLAG_COLUMNS and column not in audience.drop
    ]
    select_list = ",\n    ".join(
        ["audience.customer_id", "profiles.email_sha256"]
        + [f"audience.{_quote_identifier(column)}" for column in content]
    )
    conditions = ["profiles.is_marketable"]
    if "is_marketable" in mart_columns:
        conditions.append("audience.is_marketable")
    if "is_control" in mart_columns:
        conditions.append("not coalesce(audience.is_control, false)")
    if audience.where:
        conditions.append(f"coalesce({audience.where}, false)")
    if split_value is not None and audience.split_by is not None:
        conditions.append(f"audience.{_quote_identifier(audience.split_by)} = {_quote_literal(split_value)}")
    order_by = ["audience.customer_id"] + [
        f"audience.{_quote_identifier(column)}" for column in audience.order_by if column in mart_columns
    ]
    return (
        f"select\n    {select_list}\n"
        f"from marts.{audience.mart} as audience\n"
        "inner join marts.customer_profiles as profiles\n"
        "    on audience.customer_id = profiles.customer_id\n"
        f"where {' and '.join(conditions)}\n"
        f"order by {', '.join(order_by)}"
    )


def _write(con: duckdb.DuckDBPyConnection, query: str, path: Path, fmt: str) -> int:
    """Write the query's rows to path (via a temporary file, then renamed); returns the row count."""
    options = "format csv, header true" if fmt == "csv" else "format parquet"
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    result = con.execute(f"copy ({query}) to {_quote_literal(str(partial))} ({options})").fetchone()
    os.replace(partial, path)
    return int(result[0]) if result else 0


def _connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection, so that BI readers of the same file are not locked out. In a
    process that has just built the file with dbt (whose DuckDB instance is still open with
    read-write settings), DuckDB refuses a second configuration: share that instance instead."""
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise
        return duckdb.connect(str(db_path))


def export_audiences(
    db_path: str | Path,
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    progress: bool = True,
) -> dict[str, int]:
    """Write one file per audience into out_dir; returns {file name without suffix: rows written}.

    Only marketable customers who are not in the hold-out are written. Audiences whose mart is
    not in the database are skipped with a note on stderr.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
    db_path = Path(db_path)
    if not db_path.exists():
        raise FileNotFoundError(f"no kanta database at {db_path} (run dbt build first)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    con = _connect(db_path)
    try:
        if not _columns(con, "marts", "customer_profiles"):
            raise RuntimeError(f"{db_path} has no marts.customer_profiles: is it a kanta build?")
        bar = tqdm(AUDIENCES, desc="export", unit="audience", file=sys.stderr,
                   disable=not progress, dynamic_ncols=True)
        for audience in bar:
            bar.set_postfix_str(audience.mart, refresh=True)
            mart_columns = _columns(con, "marts", audience.mart)
            if not mart_columns:
                tqdm.write(f"kanta export: skipping {audience.mart}: marts.{audience.mart} does not exist",
                           file=sys.stderr)
                continue
            if audience.split_by is not None:
                for value in _split_values(con, audience):
                    name = f"{audience.file_prefix or audience.mart}_{value}"
                    query = _audience_query(audience, mart_columns, value)
                    written[name] = _write(con, query, out / f"{name}.{fmt}", fmt)
            else:
                query = _audience_query(audience, mart_columns, None)
                written[audience.mart] = _write(con, query, out / f"{audience.mart}.{fmt}", fmt)
        bar.set_postfix_str("done", refresh=False)
        bar.close()
    finally:
        con.close()
    return written


# --------------------------------------------------------------------------------------
# command line: python -m kanta export
# --------------------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `export` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="write audience files (CSV or Parquet) from a built kanta database",
        description=(
            "Write one file per audience (reactivation automations, quarterly rewards, due gift "
            "reminders, and life events, due replenishments and segment offers when built) with "
            "customer_id, email_sha256 and the audience's columns. Only marketable customers "
            "outside the hold-out are written."
        ),
    )
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("KANTA_DB", "kanta.duckdb")),
                        metavar="FILE", help="the built DuckDB file (default: $KANTA_DB or %(default)s)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output directory (created if missing; files are overwritten)")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv",
                        help="file format (default: %(default)s)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                        help="show a progress bar on stderr (default: on)")
    parser.set_defaults(func=cmd_export)


# The naming __main__.py uses for its subcommands.
add_export_parser = add_parser


def cmd_export(args: argparse.Namespace) -> int:
    """Run `export`; prints one line per file written and returns the exit code."""
    try:
        written = export_audiences(args.db, args.out, args.fmt, progress=args.progress)
    except (FileNotFoundError, RuntimeError, ValueError, duckdb.Error) as exc:
        print(f"kanta export: error: {exc}", file=sys.stderr)
        return 2
    for name, rows in written.items():
        print(f"{args.out / (name + '.' + args.fmt)}\t{rows}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: python -m kanta.audiences --out DIR."""
    parser = argparse.ArgumentParser(prog="python -m kanta.audiences")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_parser(subparsers)
    args = parser.parse_args(["export", *(sys.argv[1:] if argv is None else argv)])
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
