"""Incremental by buyer (macros/incremental.sql, SPEC section 6): after a daily load, an
incremental build gives exactly the tables of a full build.

A generated shop (Parquet) is cut in two: "yesterday" holds the orders before the last week,
"today" the whole shop plus what happens to old data in a real export: a refund on an old order,
an old order cancelled, and a new erasure request. The incremental models are built on
yesterday, then incrementally on today; every table of the marts, intermediate, audit and
semantic schemas must equal a full build on today, row for row.

That the second build really was incremental is proven by a marker: one row of an unchanged
buyer is altered in between (days_since_previous_order = -1) and must survive the incremental
build, while the same marker on a buyer with new orders must be rebuilt away.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt
from kanta.__main__ import main

#: Models only: the data tests run elsewhere; this is about the tables.
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]
SCHEMAS = ("marts", "intermediate", "audit", "semantic")
INCREMENTAL_MODELS = ("int_orders_sequenced", "int_customer_states_accumulated", "int_customer_periods_active")


def _copy(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> None:
    con.execute(f"copy ({query}) to '{path}' (format parquet)")


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(yesterday's raw folder, today's raw folder, the buyers the test follows)."""
    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    assert main(["generate", "--customers", "400", "--orders", "3000", "--format", "parquet",
                 "--out", str(generated), "--seed", "11", "--no-progress"]) == 0
    yesterday, today = root / "yesterday", root / "today"
    yesterday.mkdir()
    today.mkdir()
    con = duckdb.connect()
    orders = f"read_parquet('{generated / 'orders.parquet'}')"
    lines = f"read_parquet('{generated / 'order_lines.parquet'}')"
    cutoff = con.sql(f"select max(ordered_at)::date - 7 from {orders}").fetchall()[0][0]
    counted = "lower(trim(status)) in ('completed', 'shipped', 'delivered', 'paid')"
    # Buyers with one plain counted order each before the cut-off and none after it: one gets
    # a refund, one a cancellation, one an erasure, one stays as it was.
    quiet = con.sql(f"""
        select customer_id, min(order_id) as order_id
        from {orders}
        where customer_id is not null
        group by customer_id
        having max(ordered_at)::date < '{cutoff}'::date and count(*) >= 2
            and bool_and({counted} and coalesce(refunded_total, 0) = 0 and order_total > 10)
        order by customer_id
        limit 4
    """).fetchall()
    assert len(quiet) == 4, quiet
    (refunded, refunded_order), (cancelled, cancelled_order), (erased, _), (unchanged, _) = quiet
    new_buyer = con.sql(f"""
        select customer_id from {orders}
        where ordered_at::date >= '{cutoff}'::date and customer_id is not null and {counted}
        group by customer_id
        having min(customer_id) in (select customer_id from {orders} where ordered_at::date < '{cutoff}'::date)
        order by customer_id limit 1
    """).fetchall()[0][0]

    old_orders = f"select * from {orders} where ordered_at is null or ordered_at::date < '{cutoff}'::date"
    _copy(con, old_orders, yesterday / "orders.parquet")
    _copy(con, f"select * from {lines} where order_id not in (select order_id from {orders} "
               f"where ordered_at::date >= '{cutoff}'::date and order_id is not null)",
          yesterday / "order_lines.parquet")
    _copy(con, f"""
        select * replace (
            case when order_id = '{refunded_order}' then 10.00 else refunded_total end as refunded_total,
            case when order_id = '{cancelled_order}' then 'cancelled' else status end as status)
        from {orders}""", today / "orders.parquet")
    _copy(con, f"select * from {lines}", today / "order_lines.parquet")
    erasures = f"read_parquet('{generated / 'erasure_requests.parquet'}')"
    _copy(con, f"select * from {erasures}", yesterday / "erasure_requests.parquet")
    _copy(con, f"select * from {erasures} union all select '{erased}', max(requested_at) from {erasures}",
          today / "erasure_requests.parquet")
    for table in ("customers", "products", "consent_events"):
        for folder in (yesterday, today):
            _copy(con, f"select * from read_parquet('{generated / (table + '.parquet')}')",
                  folder / f"{table}.parquet")
    con.close()
    followed = {"refunded": refunded, "cancelled": cancelled, "erased": erased, "unchanged": unchanged,
                "new_buyer": new_buyer}
    return yesterday, today, followed


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
        f"and schema_name in ({', '.join(repr(s) for s in SCHEMAS)}) order by all"
    ).fetchall()


def test_incremental_build_equals_full_build(shops: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    yesterday, today, followed = shops
    work = tmp_path / "incremental"
    first = run_dbt(work, yesterday, extra_args=MODELS_ONLY)
    assert first.success, first.error_text()

    con = duckdb.connect(str(first.db_path))
    marked = (followed["unchanged"], followed["new_buyer"])
    con.execute("update intermediate.int_orders_sequenced set days_since_previous_order = -1 "
                "where customer_id in (?, ?) and order_number = 2", list(marked))
    before = {row[0]: row[1] for row in con.execute(
        "select customer_id, count(*) from intermediate.int_orders_sequenced "
        "where customer_id in (?, ?, ?, ?) group by all",
        [followed["refunded"], followed["cancelled"], followed["erased"], followed["new_buyer"]]).fetchall()}
    con.close()

    second = run_dbt(work, today, extra_args=MODELS_ONLY)
    assert second.success, second.error_text()
    con = duckdb.connect(str(second.db_path))
    markers = dict(con.execute(
        "select customer_id, count(*) filter (where days_since_previous_order = -1) "
        "from intermediate.int_orders_sequenced where customer_id in (?, ?) group by all", list(marked)).fetchall())
    after = {row[0]: row[1] for row in con.execute(
        "select customer_id, count(*) from intermediate.int_orders_sequenced "
        "where customer_id in (?, ?, ?, ?) group by all",
        [followed["refunded"], followed["cancelled"], followed["erased"], followed["new_buyer"]]).fetchall()}
    # The unchanged buyer was not rebuilt (the marker stayed); the buyer with new orders was.
    assert markers == {followed["unchanged"]: 1, followed["new_buyer"]: 0}
    # The refunded buyer keeps their orders, the cancelled one lost one, the erased one is gone,
    # the new buyer has more.
    assert after[followed["refunded"]] == before[followed["refunded"]]
    assert after[followed["cancelled"]] == before[followed["cancelled"]] - 1
    assert followed["erased"] not in after
    assert after[followed["new_buyer"]] > before[followed["new_buyer"]]
    # A stale fingerprint rebuilds a buyer: this removes the marker of the unchanged one.
    con.execute("update intermediate.int_orders_sequenced set orders_hash = xor(orders_hash, 1) where customer_id = ?",
                [followed["unchanged"]])
    con.close()
    third = run_dbt(work, today, extra_args=MODELS_ONLY)
    assert third.success, third.error_text()

    full = run_dbt(tmp_path / "full", today, extra_args=[*MODELS_ONLY, "--full-refresh"])
    assert full.success, full.error_text()
    # dbt keeps both files open in this process: read each side with a plain connection and
    # compare in memory.
    incremental, full_build = duckdb.connect(str(third.db_path)), duckdb.connect(str(full.db_path))
    tables = _tables(incremental)
    assert {name for _schema, name in tables} >= {*INCREMENTAL_MODELS, "customer_facts", "segment_history"}
    assert tables == _tables(full_build)
    memory = duckdb.connect()
    for schema, name in tables:
        columns = [row[0] for row in incremental.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index", [schema, name]).fetchall()
            if name != "build_info" or row[0] != "built_at"]
        select = ", ".join(f'"{column}"' for column in columns)
        memory.register("a", incremental.sql(f"select {select} from {schema}.{name}").to_arrow_table())
        memory.register("b", full_build.sql(f"select {select} from {schema}.{name}").to_arrow_table())
        counts = memory.execute("select (select count(*) from a), (select count(*) from b), "
                                "(select count(*) from (from a except all from b)), "
                                "(select count(*) from (from b except all from a))").fetchall()[0]
        assert counts[0] == counts[1] and counts[2] == counts[3] == 0, f"{schema}.{name}: {counts}"
        memory.unregister("a")
        memory.unregister("b")
    for con in (incremental, full_build, memory):
        con.close()
