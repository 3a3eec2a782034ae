"""The project's own generic data tests fail on the rows they exist to catch."""

from __future__ import annotations

from pathlib import Path

import duckdb

from conftest import DEMO_DIR, run_dbt

BASKETS = "intermediate.int_order_products_basketed"


def stored_failures(con: duckdb.DuckDBPyConnection, name_prefix: str, columns: str) -> list[tuple]:
    """The rows a test stored with --store-failures (dbt shortens long test names: prefix, then a hash)."""
    schema, table = con.execute(
        "select table_schema, table_name from information_schema.tables where table_name like ?",
        [name_prefix + "%"],
    ).fetchone()
    return con.execute(f'select {columns} from "{schema}"."{table}"').fetchall()


def test_unique_combination_reports_exactly_the_repeated_combinations(tmp_path: Path) -> None:
    models = run_dbt(tmp_path, DEMO_DIR, command="run", extra_args=["--select", "+int_order_products_basketed"])
    assert models.success, models.error_text()

    con = duckdb.connect(str(models.db_path))
    first, second = con.execute(
        f"select order_row_number, product_id from {BASKETS} order by order_row_number, product_id limit 2"
    ).fetchall()
    # One combination four times (copied onto itself twice: 1 -> 2 -> 4 rows), a row that shares only its order with
    # an existing one, and two rows whose key is partly null in different places: only the
    # first is a repeated combination.
    con.execute(f"insert into {BASKETS} select * from {BASKETS} where order_row_number = ? and product_id = ?", first)
    con.execute(f"insert into {BASKETS} select * from {BASKETS} where order_row_number = ? and product_id = ?", first)
    con.execute(f"insert into {BASKETS} (order_row_number, product_id) values (?, 'kanta-test-other-product')", [second[0]])
    con.execute(f"insert into {BASKETS} (order_row_number, product_id) values (null, ?), (?, null)", [second[1], second[0]])
    rows = con.execute(f"select count(*) from {BASKETS}").fetchone()[0]
    con.close()

    checked = run_dbt(
        tmp_path, DEMO_DIR, command="test",
        extra_args=["--select", "int_order_products_basketed", "--store-failures"],
    )
    assert not checked.success
    failing = [message for message in checked.messages if "unique_combination" in message]
    assert len(failing) == 1, checked.messages

    con = duckdb.connect(str(checked.db_path))
    reported = stored_failures(con, "unique_combination_int_order_p", "order_row_number, product_id, occurrences")
    # The same check by a second method: every combination counted in Python.
    counts: dict[tuple[object, object], int] = {}
    for key in con.execute(f"select order_row_number, product_id from {BASKETS}").fetchall():
        counts[key] = counts.get(key, 0) + 1
    assert sum(counts.values()) == rows
    con.close()
    assert reported == [(first[0], first[1], 4)]
    assert {key: n for key, n in counts.items() if n > 1} == {first: 4}


def test_unique_reports_exactly_the_repeated_values(tmp_path: Path) -> None:
    # dbt's built-in unique test, dispatched to macros/tests/unique.sql.
    models = run_dbt(tmp_path, DEMO_DIR, command="run", extra_args=["--select", "+int_orders_gift_flagged"])
    assert models.success, models.error_text()
    table = "intermediate.int_orders_gift_flagged"
    con = duckdb.connect(str(models.db_path))
    first = con.execute(f"select min(order_id) from {table}").fetchone()[0]
    con.execute(f"insert into {table} select * from {table} where order_id = ?", [first])
    con.execute(f"insert into {table} (order_id) values (null), (null)")  # nulls are not repeats
    con.close()

    checked = run_dbt(
        tmp_path, DEMO_DIR, command="test",
        extra_args=["--select", "int_orders_gift_flagged", "--store-failures"],
    )
    assert not checked.success
    assert [m for m in checked.messages if "unique_int_orders_gift_flagged_order_id" in m], checked.messages
    con = duckdb.connect(str(checked.db_path))
    reported = stored_failures(con, "unique_int_orders_gift_flagged_order_id", "unique_field, n_records")
    expected = con.execute(
        f"select order_id, count(*) from {table} where order_id is not null group by order_id having count(*) > 1"
    ).fetchall()
    con.close()
    assert reported == expected == [(first, 2)]
