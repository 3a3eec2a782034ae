"""Publish the marts for BI readers, atomically (SPEC section 5).

`publish(db_path)` copies every table of schema `marts` of the built DuckDB file, the load
reconciliation and a one-row table of publish facts into a new DuckDB file, and every mart into
a new folder of Parquet files. Only when both are complete are they swapped in:

- `published/kanta.duckdb` is replaced with `os.replace` (an atomic rename). A reader holding
  the old file open keeps reading the old file (its inode) until it reconnects; the build never
  waits for it, since the build writes the working file (`kanta.duckdb`), not this one.
- `published/marts` is a symbolic link to a versioned folder `published/.marts-<stamp>/`; a new
  link is created beside it and renamed over it (atomic), so a reader that resolves the link
  sees the old or the new folder, never a mix. The previous folder is kept for readers still in
  it; older ones are deleted.

Nothing is touched before the new state is complete, so a failed publish (or a failed build,
which never reaches this step) leaves the published state as it was.

The command line (`python -m kanta build`, `publish`) is at the end of this module.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from tqdm import tqdm

from kanta import __version__

PUBLISHED_DB_NAME = "kanta.duckdb"
MARTS_LINK_NAME = "marts"
MARTS_VERSION_PREFIX = ".marts-"
DB_TEMP_PREFIX = ".kanta-"
DB_TEMP_SUFFIX = ".duckdb.tmp"
LOCK_NAME = ".publish.lock"
# Tables published beside the marts (schema.table), when the built file has them.
EXTRA_TABLES: tuple[tuple[str, str], ...] = (("audit", "load_reconciliation"),)
PUBLISH_INFO_TABLE = ("audit", "publish_info")
# Catalog names the source and the new file are attached under while publishing.
SOURCE_ALIAS = "kanta_publish_source"
TARGET_ALIAS = "kanta_publish_target"


@dataclass(frozen=True)
class PublishResult:
    """What one publish wrote."""

    stamp: str
    duckdb_path: Path
    marts_link: Path
    marts_dir: Path
    marts: tuple[str, ...]
    row_counts: dict[str, int]
    as_of_date: date | None
    removed: tuple[Path, ...] = field(default=())


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def new_stamp() -> str:
    """A sortable, unique version stamp: UTC time to the microsecond and the process id."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z-{os.getpid()}"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def publish_lock(published_dir: Path) -> Iterator[None]:
    """One publisher at a time per published folder (readers never take this lock)."""
    with open(published_dir / LOCK_NAME, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def fsync_dir(path: Path) -> None:
    """Make renames in a folder durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def list_tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    """Base tables of one schema of an attached database, by name."""
    rows = con.execute(
        """
        select table_name
        from information_schema.tables
        where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'
        order by table_name
        """,
        [catalog, schema],
    ).fetchall()
    return [str(row[0]) for row in rows]


def has_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> bool:
    found = con.execute(
        """
        select count(*)
        from information_schema.tables
        where table_catalog = ? and table_schema = ? and table_name = ?
        """,
        [catalog, schema, table],
    ).fetchone()
    return bool(found and found[0])


def read_as_of_date(con: duckdb.DuckDBPyConnection, catalog: str) -> date | None:
    """as_of_date of the build: marts.build_info, else intermediate.int_as_of_date."""
    for schema, table in (("marts", "build_info"), ("intermediate", "int_as_of_date")):
        if has_table(con, catalog, schema, table):
            relation = ".".join(quote_identifier(part) for part in (catalog, schema, table))
            row = con.execute(f"select max(as_of_date) from {relation}").fetchone()
            if row and row[0] is not None:
                value = row[0]
                return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return None


# --------------------------------------------------------------------------------------
# writing the new state
# --------------------------------------------------------------------------------------


def open_source(db_path: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A connection reading db_path, and the catalog name to read it by.

    Normally the file is attached read-only to a fresh in-memory database. When this process
    already has it open (dbt run in-process just before, as `kanta build` and the tests do),
    DuckDB refuses a second handle on the file, so the open database is shared instead.
    """
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(db_path))} as {SOURCE_ALIAS} (read_only)")
        return con, SOURCE_ALIAS
    except duckdb.Error:
        con.close()
    con = duckdb.connect(str(db_path))
    row = con.execute("select current_database()").fetchone()
    return con, str(row[0]) if row else "memory"


def copy_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> int:
    """Copy catalog.schema.table into the new file; returns its row count."""
    name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    con.execute(f"create schema if not exists {TARGET_ALIAS}.{quote_identifier(schema)}")
    con.execute(
        f"create table {TARGET_ALIAS}.{name} as select * from {quote_identifier(catalog)}.{name}"
    )
    row = con.execute(f"select count(*) from {TARGET_ALIAS}.{name}").fetchone()
    return int(row[0]) if row else 0


def write_parquet(con: duckdb.DuckDBPyConnection, schema: str, table: str, out_file: Path) -> None:
    name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    con.execute(
        f"copy (select * from {TARGET_ALIAS}.{name}) to {quote_literal(str(out_file))} "
        "(format parquet, compression zstd)"
    )


def write_publish_info(
    con: duckdb.DuckDBPyConnection,
    stamp: str,
    source_db: Path,
    as_of_date: date | None,
    mart_count: int,
) -> None:
    """audit.publish_info: one row saying which build this file holds."""
    schema, table = PUBLISH_INFO_TABLE
    con.execute(f"create schema if not exists {TARGET_ALIAS}.{quote_identifier(schema)}")
    con.execute(
        f"""
        create table {TARGET_ALIAS}.{quote_identifier(schema)}.{quote_identifier(table)} as
        select
            cast(? as varchar) as publish_stamp,
            cast(? as timestamp) as published_at,
            cast(? as date) as as_of_date,
            cast(? as varchar) as source_db,
            cast(? as integer) as marts,
            cast(? as varchar) as kanta_version
        """,
        [
            stamp,
            datetime.now(UTC).replace(tzinfo=None),
            as_of_date,
            str(source_db),
            mart_count,
            __version__,
        ],
    )


def write_new_state(
    db_path: Path,
    temp_db: Path,
    parquet_dir: Path,
    stamp: str,
    marts_schema: str,
    show_progress: bool,
) -> tuple[list[str], dict[str, int], date | None]:
    """Write the new published DuckDB file and Parquet folder; nothing is swapped here."""
    con, catalog = open_source(db_path)
    try:
        con.execute(f"attach {quote_literal(str(temp_db))} as {TARGET_ALIAS}")
        marts = list_tables(con, catalog, marts_schema)
        if not marts:
            raise RuntimeError(f"{db_path}: no tables in schema {marts_schema!r}; build first")
        parquet_dir.mkdir()
        row_counts: dict[str, int] = {}
        for table in tqdm(marts, desc="publish", unit="mart", file=sys.stderr,
                          disable=not show_progress, dynamic_ncols=True):
            row_counts[table] = copy_table(con, catalog, marts_schema, table)
            write_parquet(con, marts_schema, table, parquet_dir / f"{table}.parquet")
        for schema, table in EXTRA_TABLES:
            if has_table(con, catalog, schema, table):
                copy_table(con, catalog, schema, table)
        as_of_date = read_as_of_date(con, catalog)
        write_publish_info(con, stamp, db_path, as_of_date, len(marts))
    finally:
        # Detach even on failure: a shared database would otherwise keep the file open.
        con.execute(f"detach database if exists {TARGET_ALIAS}")
        con.close()
    with open(temp_db, "rb") as handle:
        os.fsync(handle.fileno())
    return marts, row_counts, as_of_date


# --------------------------------------------------------------------------------------
# swapping it in
# --------------------------------------------------------------------------------------


def swap_marts_link(published_dir: Path, version_dir: Path, stamp: str) -> Path | None:
    """Point published/marts at version_dir with one rename; returns the previous target."""
    link = published_dir / MARTS_LINK_NAME
    previous: Path | None = None
    if link.is_symlink():
        previous = published_dir / os.readlink(link)
    elif link.exists():
        # A plain folder left by hand or by an older publisher: move it aside once, so that
        # from now on the link can be swapped atomically.
        aside = published_dir / f"{MARTS_VERSION_PREFIX}{stamp}-replaced"
        os.rename(link, aside)
        previous = aside
    temp_link = published_dir / f".{MARTS_LINK_NAME}-{stamp}.link"
    os.symlink(version_dir.name, temp_link)
    os.replace(temp_link, link)
    return previous


def remove_old_versions(published_dir: Path, keep: Sequence[Path | None]) -> tuple[Path, ...]:
    """Delete Parquet versions and temporary files that are neither current nor previous."""
    keep_names = {path.name for path in keep if path is not None}
    removed: list[Path] = []
    for path in sorted(published_dir.iterdir()):
        name = path.name
        if name in keep_names:
            continue
        is_old_version = name.startswith(MARTS_VERSION_PREFIX) and path.is_dir() and not path.is_symlink()
        is_stale_temp = (
            (name.startswith(DB_TEMP_PREFIX) and name.endswith(DB_TEMP_SUFFIX))
            or (name.startswith(f".{MARTS_LINK_NAME}-") and name.endswith(".link"))
        )
        if is_old_version:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        elif is_stale_temp:
            path.unlink(missing_ok=True)
            removed.append(path)
    return tuple(removed)


def publish(
    db_path: str | Path,
    published_dir: str | Path = "published",
    marts_schema: str = "marts",
    *,
    show_progress: bool = True,
) -> PublishResult:
    """Publish the marts of the built DuckDB file `db_path` into `published_dir`, atomically."""
    source = Path(db_path).resolve()
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no built DuckDB file; run the build first")
    out_dir = Path(published_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with publish_lock(out_dir):
        stamp = new_stamp()
        temp_db = out_dir / f"{DB_TEMP_PREFIX}{stamp}{DB_TEMP_SUFFIX}"
        version_dir = out_dir / f"{MARTS_VERSION_PREFIX}{stamp}"
        try:
            marts, row_counts, as_of_date = write_new_state(
                source, temp_db, version_dir, stamp, marts_schema, show_progress
            )
        except BaseException:
            temp_db.unlink(missing_ok=True)
            Path(f"{temp_db}.wal").unlink(missing_ok=True)
            shutil.rmtree(version_dir, ignore_errors=True)
            raise
        fsync_dir(version_dir)
        db_target = out_dir / PUBLISHED_DB_NAME
        os.replace(temp_db, db_target)
        previous = swap_marts_link(out_dir, version_dir, stamp)
        fsync_dir(out_dir)
        removed = remove_old_versions(out_dir, [version_dir, previous])
    return PublishResult(
        stamp=stamp,
        duckdb_path=db_target,
        marts_link=out_dir / MARTS_LINK_NAME,
        marts_dir=version_dir,
        marts=tuple(marts),
        row_counts=row_counts,
        as_of_date=as_of_date,
        removed=removed,
    )


# --------------------------------------------------------------------------------------
# build: dbt build, then publish only on success
# --------------------------------------------------------------------------------------


def project_dir() -> Path:
    """The dbt project: beside this package when it has dbt_project.yml, else the working dir."""
    beside = Path(__file__).resolve().parents[1]
    return beside if (beside / "dbt_project.yml").is_file() else Path.cwd()


def default_db_path() -> Path:
    return Path(os.environ.get("KANTA_DB", "kanta.duckdb"))


def run_dbt_build(dbt_args: Sequence[str], db_path: Path) -> bool:
    """`dbt build` in-process into db_path; True when every node passed."""
    from dbt.cli.main import dbtRunner

    project = project_dir()
    args = ["build", *dbt_args]
    if "--project-dir" not in args:
        args += ["--project-dir", str(project)]
    if "--profiles-dir" not in args and "DBT_PROFILES_DIR" not in os.environ:
        args += ["--profiles-dir", str(project / "profiles")]
    previous = os.environ.get("KANTA_DB")
    os.environ["KANTA_DB"] = str(db_path.resolve())
    try:
        result = dbtRunner().invoke(args)
    finally:
        if previous is None:
            os.environ.pop("KANTA_DB", None)
        else:
            os.environ["KANTA_DB"] = previous
    if result.exception is not None:
        print(f"kanta build: dbt failed: {result.exception}", file=sys.stderr)
    return bool(result.success)


def build_and_publish(
    dbt_args: Sequence[str],
    db_path: str | Path,
    published_dir: str | Path = "published",
    *,
    show_progress: bool = True,
) -> PublishResult | None:
    """dbt build, then publish; a failed build publishes nothing and returns None."""
    db = Path(db_path)
    if not run_dbt_build(dbt_args, db):
        return None
    return publish(db, published_dir, show_progress=show_progress)


def print_result(result: PublishResult) -> None:
    rows = sum(result.row_counts.values())
    as_of = result.as_of_date.isoformat() if result.as_of_date else "unknown"
    print(
        f"published {len(result.marts)} marts ({rows} rows, as of {as_of}) to "
        f"{result.duckdb_path} and {result.marts_link}/ -> {result.marts_dir.name}",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=None, metavar="FILE",
                        help="the built DuckDB file (default: $KANTA_DB or kanta.duckdb)")
    parser.add_argument("--published-dir", type=Path, default=Path("published"), metavar="DIR",
                        help="where to publish (default: %(default)s)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                        help="show a progress bar on stderr (default: on)")


def add_publish_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "publish",
        help="publish the marts of the built DuckDB file for BI tools (atomic swap)",
        description=(
            "Copy every mart of the built DuckDB file into PUBLISHED_DIR/kanta.duckdb and "
            "PUBLISHED_DIR/marts/<mart>.parquet. The new file and folder are written in full "
            "first, then swapped in with one rename each, so readers see the old or the new "
            "marts, never a mix."
        ),
    )
    add_common_options(parser)
    parser.add_argument("--schema", default="marts", help="schema to publish (default: %(default)s)")
    parser.set_defaults(func=cmd_publish)


def cmd_publish(args: argparse.Namespace) -> int:
    db = args.db or default_db_path()
    try:
        result = publish(db, args.published_dir, args.schema, show_progress=args.progress)
    except (FileNotFoundError, RuntimeError, duckdb.Error) as exc:
        print(f"kanta publish: error: {exc}", file=sys.stderr)
        return 1
    print_result(result)
    return 0


def add_build_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "build",
        help="dbt build, then publish the marts (and the report) only if the build succeeded",
        description=(
            "Run `dbt build` in-process into the working DuckDB file; when every model and "
            "test passed, publish the marts (see `publish`) and, with --report, write the "
            "HTML report. A failed build publishes nothing. Arguments after `--` go to dbt, "
            "e.g. python -m kanta build -- --vars '{as_of_date: 2025-06-01}'."
        ),
    )
    add_common_options(parser)
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction, default=True,
                        help="publish after a successful build (default: on)")
    parser.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                        help="write PUBLISHED_DIR/report.html after publishing (default: on)")
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="-- DBT_ARGS",
                        help="arguments passed to dbt build")
    parser.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    dbt_args = list(args.dbt_args)
    if dbt_args[:1] == ["--"]:
        dbt_args = dbt_args[1:]
    db = args.db or default_db_path()
    if not args.publish:
        return 0 if run_dbt_build(dbt_args, db) else 1
    result = build_and_publish(dbt_args, db, args.published_dir, show_progress=args.progress)
    if result is None:
        print("kanta build: dbt build failed; nothing published", file=sys.stderr)
        return 1
    print_result(result)
    if args.report:
        from kanta.report import write_report

        # The working file also holds staging and intermediate (order-time fallback).
        report = write_report(db, args.published_dir / "report.html")
        print(f"wrote {report.path}", file=sys.stderr)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `build` and `publish` (the report module registers `report`)."""
    add_build_parser(subparsers)
    add_publish_parser(subparsers)
