"""Publishing (SPEC section 5): readers see the old or the new marts, never a mix; a failed
build publishes nothing.

Two small shops are built into working DuckDB files: shop A (2 buyers, 3 orders) and shop B
(4 buyers, 6 orders), so every published table says which build it came from by its row count.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import PROJECT_DIR, Build, run_dbt
from shops import ORDER_COLUMNS, order, write_csv

if str(PROJECT_DIR) not in sys.path:   # the kanta package sits in the project root
    sys.path.insert(0, str(PROJECT_DIR))

from kanta.publish import add_parser, build_and_publish, publish  # noqa: E402

# The marts these tests need (and their parents); publish copies whatever schema marts holds.
SELECT = [
    "--select", "+customer_facts +order_facts +load_reconciliation",
    "--indirect-selection", "buildable",
]
AS_OF = "2024-07-01"


def write_shop_a(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("A1", "C1", "2024-01-05 10:00:00", "10.00"),
        order("A2", "C1", "2024-02-05 10:00:00", "20.00"),
        order("A3", "C2", "2024-03-05 10:00:00", "30.00"),
    ])


def write_shop_b(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("B1", "C1", "2024-01-05 10:00:00", "10.00"),
        order("B2", "C2", "2024-02-05 10:00:00", "20.00"),
        order("B3", "C3", "2024-03-05 10:00:00", "30.00"),
        order("B4", "C3", "2024-04-05 10:00:00", "40.00"),
        order("B5", "C4", "2024-05-05 10:00:00", "50.00"),
        order("B6", "C4", "2024-06-05 10:00:00", "60.00"),
    ])


def write_shop_without_order_total(raw: Path) -> None:
    """orders.csv lacks the required column order_total: the build must stop."""
    raw.mkdir(parents=True, exist_ok=True)
    write_csv(raw / "orders.csv", "order_id,customer_id,ordered_at", [
        "X1,C1,2024-01-05 10:00:00",
    ])


def build(work_dir: Path, raw_dir: Path) -> Build:
    result = run_dbt(work_dir, raw_dir, as_of_date=AS_OF, extra_args=SELECT)
    assert result.success, result.error_text()
    return result


def dbt_args(work_dir: Path, raw_dir: Path) -> list[str]:
    """The arguments run_dbt passes, for build_and_publish and the CLI."""
    return [
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR / "profiles"),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--vars", json.dumps({"raw_dir": str(raw_dir), "as_of_date": AS_OF}),
        "--quiet",
        *SELECT,
    ]


@dataclass(frozen=True)
class Shops:
    work_a: Path
    work_b: Path
    raw_a: Path
    raw_b: Path


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> Shops:
    """Shop A built into its own working file; shop B written but built by the tests."""
    root = tmp_path_factory.mktemp("publish_shops")
    write_shop_a(root / "raw_a")
    write_shop_b(root / "raw_b")
    build(root / "work_a", root / "raw_a")
    return Shops(root / "work_a", root / "work_b", root / "raw_a", root / "raw_b")


def db_counts(path: Path) -> tuple[int, int]:
    """(buyers, orders) of a published DuckDB file, in a fresh process (no shared instance)."""
    code = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select (select count(*) from marts.customer_facts),"
        " (select count(*) from marts.order_facts)').fetchone())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                         capture_output=True, text=True).stdout
    buyers, orders = out.strip().strip("()").split(",")
    return int(buyers), int(orders)


def parquet_counts(folder: Path) -> dict[str, int]:
    """Row count of every Parquet file of one (resolved) marts folder."""
    return {path.stem: pq.read_metadata(path).num_rows for path in sorted(folder.glob("*.parquet"))}


def published_state(published: Path) -> dict[str, object]:
    """Everything a reader could notice: inode, mtime, bytes of every published file, link."""
    state: dict[str, object] = {}
    for path in sorted(published.rglob("*")):
        if path.is_symlink():
            state[str(path)] = ("link", os.readlink(path))
        elif path.is_file() and path.name != ".publish.lock":
            info = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[str(path)] = (info.st_ino, info.st_mtime_ns, info.st_size, digest)
    return state


# --------------------------------------------------------------------------------------
# what a publish writes
# --------------------------------------------------------------------------------------


def test_publish_writes_every_mart_to_duckdb_and_parquet(shops: Shops, tmp_path: Path) -> None:
    published = tmp_path / "published"
    result = publish(shops.work_a / "kanta.duckdb", published, show_progress=False)

    source = duckdb.connect(str(shops.work_a / "kanta.duckdb"))  # shares dbt's open database
    marts = sorted(row[0] for row in source.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts' and table_type = 'BASE TABLE'").fetchall())
    source.close()
    assert list(result.marts) == marts and "customer_facts" in marts and "order_facts" in marts
    assert (published / "marts").is_symlink()
    assert (published / "marts").resolve() == result.marts_dir.resolve()
    assert parquet_counts(published / "marts") == result.row_counts
    assert result.row_counts["customer_facts"] == 2 and result.row_counts["order_facts"] == 3

    con = duckdb.connect(str(published / "kanta.duckdb"), read_only=True)
    try:
        tables = {tuple(row) for row in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        info = con.execute("select publish_stamp, as_of_date from audit.publish_info").fetchone()
    finally:
        con.close()
    assert {("marts", name) for name in marts} <= tables
    assert ("audit", "load_reconciliation") in tables
    assert info is not None and info[0] == result.stamp and str(info[1]) == AS_OF
    # Nothing temporary is left behind.
    assert not list(published.glob(".kanta-*.duckdb.tmp"))
    assert not list(published.glob(".marts-*.link"))


def test_publish_keeps_the_previous_parquet_version_and_deletes_older(
    shops: Shops, tmp_path: Path
) -> None:
    published = tmp_path / "published"
    first = publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    second = publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    assert first.marts_dir.is_dir() and second.marts_dir.is_dir()
    third = publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    versions = sorted(path.name for path in published.glob(".marts-*"))
    assert versions == sorted([second.marts_dir.name, third.marts_dir.name])
    assert first.marts_dir in third.removed


def test_publish_without_marts_fails_and_publishes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    published = tmp_path / "published"
    with pytest.raises(RuntimeError, match="no tables in schema 'marts'"):
        publish(empty, published, show_progress=False)
    assert not (published / "kanta.duckdb").exists() and not (published / "marts").exists()
    assert not list(published.glob(".marts-*")) and not list(published.glob(".kanta-*"))


# --------------------------------------------------------------------------------------
# (a) readers during a build and publish
# --------------------------------------------------------------------------------------


def test_reader_keeps_old_data_during_build_and_publish_and_sees_new_after_reopen(
    shops: Shops, tmp_path: Path
) -> None:
    published = tmp_path / "published"
    publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    old_folder = (published / "marts").resolve()

    reader = duckdb.connect(str(published / "kanta.duckdb"), read_only=True)
    try:
        assert reader.execute("select count(*) from marts.customer_facts").fetchone() == (2,)
        # The build writes its own working file: it runs while the reader is connected.
        build(shops.work_b, shops.raw_b)
        publish(shops.work_b / "kanta.duckdb", published, show_progress=False)
        # The open connection still reads the file it opened: shop A, whole and consistent.
        assert reader.execute("select count(*) from marts.customer_facts").fetchone() == (2,)
        assert reader.execute("select count(*) from marts.order_facts").fetchone() == (3,)
        assert reader.execute("select sum(revenue) from marts.order_facts").fetchone() == (60,)
        # A new reader (another process) gets shop B at once, while the old one is open.
        assert db_counts(published / "kanta.duckdb") == (4, 6)
    finally:
        reader.close()
    reopened = duckdb.connect(str(published / "kanta.duckdb"), read_only=True)
    try:
        assert reopened.execute("select count(*) from marts.customer_facts").fetchone() == (4,)
        assert reopened.execute("select sum(revenue) from marts.order_facts").fetchone() == (210,)
    finally:
        reopened.close()

    # Parquet: a reader that resolved the link before still has the complete old set; the
    # link now points to the complete new set, with the same file names.
    new_folder = (published / "marts").resolve()
    assert new_folder != old_folder
    old_counts, new_counts = parquet_counts(old_folder), parquet_counts(new_folder)
    assert old_counts.keys() == new_counts.keys()
    assert (old_counts["customer_facts"], old_counts["order_facts"]) == (2, 3)
    assert (new_counts["customer_facts"], new_counts["order_facts"]) == (4, 6)


READER_LOOP = """
import sys, time, duckdb
path, seconds = sys.argv[1], float(sys.argv[2])
seen, end = set(), time.monotonic() + seconds
while time.monotonic() < end:
    con = duckdb.connect(path, read_only=True)
    seen.add(con.execute(
        "select (select count(*) from marts.customer_facts), (select count(*) from marts.order_facts),"
        " (select publish_stamp from audit.publish_info)").fetchone()[:2])
    con.close()
print(sorted(seen))
"""


def test_concurrent_readers_see_complete_old_or_new_sets(shops: Shops, tmp_path: Path) -> None:
    """Readers poll while A and B are published in turn: every read is one whole build."""
    if not (shops.work_b / "kanta.duckdb").exists():
        build(shops.work_b, shops.raw_b)
    published = tmp_path / "published"
    publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    expected_a = parquet_counts((published / "marts").resolve())
    publish(shops.work_b / "kanta.duckdb", published, show_progress=False)
    expected_b = parquet_counts((published / "marts").resolve())
    assert expected_a != expected_b

    parquet_seen: list[str] = []
    problems: list[str] = []
    stop = threading.Event()

    def read_parquet_sets() -> None:
        while not stop.is_set():
            folder = (published / "marts").resolve()   # resolve once, then read that set
            try:
                counts = parquet_counts(folder)
            except OSError as exc:  # a vanished folder would be a failure too
                problems.append(repr(exc))
                continue
            if counts == expected_a:
                parquet_seen.append("a")
            elif counts == expected_b:
                parquet_seen.append("b")
            else:
                problems.append(f"mixed or partial set in {folder.name}: {counts}")

    duck_reader = subprocess.Popen(
        [sys.executable, "-c", READER_LOOP, str(published / "kanta.duckdb"), "6"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    thread = threading.Thread(target=read_parquet_sets)
    thread.start()
    try:
        for index in range(8):
            source = shops.work_a if index % 2 == 0 else shops.work_b
            publish(source / "kanta.duckdb", published, show_progress=False)
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join()
    out, err = duck_reader.communicate(timeout=60)
    assert duck_reader.returncode == 0, err
    assert problems == []
    assert {"a", "b"} <= set(parquet_seen)
    # Every DuckDB read was shop A (2 buyers, 3 orders) or shop B (4, 6), nothing else.
    assert set(ast.literal_eval(out.strip())) <= {(2, 3), (4, 6)}


# --------------------------------------------------------------------------------------
# (b) a failed build publishes nothing
# --------------------------------------------------------------------------------------


def test_failed_build_publishes_nothing(shops: Shops, tmp_path: Path) -> None:
    work = tmp_path / "work"
    published = tmp_path / "published"
    good = build_and_publish(dbt_args(work, shops.raw_a), work / "kanta.duckdb", published,
                             show_progress=False)
    assert good is not None and good.row_counts["customer_facts"] == 2
    before = published_state(published)
    time.sleep(0.05)  # a rewrite would show in mtime_ns

    broken = tmp_path / "raw_broken"
    write_shop_without_order_total(broken)
    result = build_and_publish(dbt_args(work, broken), work / "kanta.duckdb", published,
                               show_progress=False)
    assert result is None
    assert published_state(published) == before
    assert db_counts(published / "kanta.duckdb") == (2, 3)


def test_cli_build_exits_nonzero_and_publishes_nothing_on_failure(
    shops: Shops, tmp_path: Path
) -> None:
    published = tmp_path / "published"
    publish(shops.work_a / "kanta.duckdb", published, show_progress=False)
    before = published_state(published)

    parser = argparse.ArgumentParser(prog="python -m kanta")
    add_parser(parser.add_subparsers(dest="command", required=True))
    broken = tmp_path / "raw_broken"
    write_shop_without_order_total(broken)
    work = tmp_path / "work"
    args = parser.parse_args([
        "build", "--db", str(work / "kanta.duckdb"), "--published-dir", str(published),
        "--no-progress", "--", *dbt_args(work, broken),
    ])
    assert args.func(args) == 1
    assert published_state(published) == before
    assert not (published / "report.html").exists()
