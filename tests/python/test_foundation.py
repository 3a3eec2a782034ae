"""The input contract (SPEC section 2): reading raw files, the quarantine and the reconciliation.

Every expected number below is worked out by hand from the rows written in the test.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import BuildShop
from shops import ORDER_COLUMNS, order, write_csv


def write_messy_shop(raw: Path) -> None:
    """A shop with every kind of bad row, written as real exports look (BOM, CRLF, quoting)."""
    raw.mkdir(parents=True, exist_ok=True)
    # orders.csv: UTF-8 BOM, CRLF line ends, an extra column the contract does not know.
    write_csv(
        raw / "orders.csv",
        ORDER_COLUMNS + ",channel",
        [
            order("O1", "C1", "2024-01-05T10:00:00", "100.00", shipping="5.00",
                  shipping_city='"Helsinki, Keskusta"', billing_city="Helsinki") + ",web",   # loaded 100
            order("O2", "C2", "2024-01-06 11:00:00", "50.00", status=" Shipped ", refunded="10.00") + ",web",  # loaded 40
            order("O2", "C2", "2024-01-06 11:00:00", "50.00", status=" Shipped ", refunded="10.00") + ",web",  # collapsed copy
            order("O3", "C3", "2024-02-01 09:00:00", "30.00", status="cancelled") + ",web",  # loaded, not counted, 30
            order("O4", "C1", "not a date", "20.00") + ",web",                  # unparseable_timestamp, 20
            order("O5", "C1", "2024-02-02", "abc") + ",web",                    # unparseable_amount, no revenue
            order("", "C1", "2024-02-03", "10.00") + ",web",                    # missing_key (order_id), 10
            order("O6", "", "2024-02-03", "10.00") + ",web",                    # missing_key (no buyer), 10
            order("O7", "C2", "2024-02-04", "-5.00") + ",web",                  # negative_total, -5
            order("O8", "C2", "2024-02-05", "20.00", refunded="25.00") + ",web",  # refund_exceeds_total, -5
            order("O9", "C2", "2024-02-06", "30.00") + ",web",                  # conflicting_duplicate, 30
            order("O9", "C2", "2024-02-06", "31.00") + ",web",                  # conflicting_duplicate, 31
            order("O10", "", "2024-02-07", "40.00", email=" ANNA@Example.com ") + ",web",  # guest -> C4, 40
            order("O11", "", "2024-02-08", "15.00", email="guest@example.com") + ",web",   # guest identity, 15
            order("O12", "C9", "2024-02-09", "70.00") + ",web",                 # erased customer, 70
            "O13,C5,,2024-02-10,completed,5.00,,,,,,,web,extra,fields",          # unparseable_line
            b"O16,C\xff\xfe5,,2024-02-10,completed,5.00,,,,,,,web",             # unparseable_line
            order("O14", "C5", "2024-02-10", "25.00", status="DELIVERED") + ",web",  # loaded 25
            'O15,C5,,"2024-02-11,completed,5.00,,,,,,,web',                     # unparseable_line
        ],
        bom=True,
        crlf=True,
    )
    write_csv(
        raw / "customers.csv",
        "customer_id,email,created_at,birth_year,city,marketing_consent",
        [
            "C1,c1@example.com,2023-12-01,1980,Helsinki,true",
            "C2,c2@example.com,2023-12-01T08:00:00,1990,Turku,no",
            "C3,c3@example.com,2023-12-02,,Espoo,",
            "C3,c3@example.com,2023-12-02,,Espoo,",          # collapsed copy
            "C4,anna@example.com,2023-12-03,1975,Oulu,yes",
            "C5,c5@example.com,2023-12-04,2001,Tampere,1",
            "C9,c9@example.com,2023-12-05,1966,Vaasa,true",  # erased
            ",nobody@example.com,2023-12-05,1966,Vaasa,true",  # missing_key
            "C6,c6@example.com,yesterday,1970,Lahti,true",   # unparseable_timestamp
            "C7,c7@example.com,2023-12-06,nineteen,Pori,true",  # unparseable_number
            "C8,c8@example.com,2023-12-07,1999,Kotka,maybe",  # unparseable_boolean
        ],
    )
    write_csv(
        raw / "order_lines.csv",
        "order_id,product_id,quantity,line_total",
        [
            "O1,P1,2,60.00",
            "O1,P2,1,35.00",
            "O2,P1,1,50.00",
            "O2,P1,1,50.00",     # collapsed copy
            "O4,P1,1,20.00",     # order_quarantined (O4 has a bad timestamp)
            "O99,P1,1,10.00",    # line_without_order
            "O3,,1,5.00",        # missing_key
            "O3,P2,two,5.00",    # unparseable_number
            "O3,P2,-1,5.00",     # negative_quantity
            "O3,P3,1,-5.00",     # negative_total
            "O12,P1,1,70.00",    # erased with its order
            "O9,P1,1,30.00",     # order_quarantined (conflicting duplicate)
        ],
    )
    # products.csv lacks the optional columns brand and is_consumable.
    write_csv(
        raw / "products.csv",
        "product_id,product_name,category",
        [
            'P1,"Leash, red",Leash',
            "P2,Collar,collar",
            "P3,Dog bed,pet bed",
            "P4,Bowl,bowls",      # conflicting_duplicate
            "P4,Bowl XL,bowls",   # conflicting_duplicate
        ],
    )
    write_csv(
        raw / "consent_events.csv",
        "customer_id,consent,changed_at",
        [
            "C1,true,2024-01-01",
            "C1,false,2024-03-01 12:00:00",
            "C9,true,2024-01-01",     # erased
            "C2,yes,garbage",         # unparseable_timestamp
        ],
    )
    write_csv(raw / "erasure_requests.csv", "customer_id,requested_at", ["C9,2024-03-01"])


@pytest.fixture
def messy_build(tmp_path: Path, build_shop: BuildShop):
    raw = tmp_path / "raw"
    write_messy_shop(raw)
    build = build_shop(raw)
    assert build.success, build.error_text()
    return build


def test_reconciliation_counts_every_row_of_every_kind(messy_build) -> None:
    rows = {
        r["table_name"]: r
        for r in messy_build.rows("select * from audit.load_reconciliation")
    }
    expected = {
        # table: (read, loaded, quarantined, collapsed, erased)
        "orders": (19, 6, 11, 1, 1),
        "customers": (11, 5, 4, 1, 1),
        "order_lines": (12, 3, 7, 1, 1),
        "products": (5, 3, 2, 0, 0),
        "consent_events": (4, 2, 1, 0, 1),
        "erasure_requests": (1, 1, 0, 0, 0),
    }
    for table, (read, loaded, quarantined, collapsed, erased) in expected.items():
        row = rows[table]
        assert (
            row["rows_read"], row["rows_loaded"], row["rows_quarantined"],
            row["duplicates_collapsed"], row["rows_erased"],
        ) == (read, loaded, quarantined, collapsed, erased), table
        assert row["is_rows_reconciled"] is True
    orders = rows["orders"]
    # read: 100 + 40 + 30 + 20 + 10 + 10 - 5 - 5 + 30 + 31 + 40 + 15 + 70 + 25 = 411
    assert orders["revenue_read"] == Decimal("411.00")
    assert orders["revenue_loaded"] == Decimal("250.00")       # 100 + 40 + 30 + 40 + 15 + 25
    assert orders["revenue_quarantined"] == Decimal("91.00")   # 20 + 10 + 10 - 5 - 5 + 30 + 31
    assert orders["revenue_erased"] == Decimal("70.00")
    assert orders["collapsed_duplicate_revenue"] == Decimal("40.00")
    assert orders["is_revenue_reconciled"] is True


def test_quarantine_names_each_row_and_reason(messy_build) -> None:
    got = sorted(
        (r["table_name"], r["row_key"], r["reason"])
        for r in messy_build.rows("select * from audit.quarantined_rows")
    )
    assert got == sorted([
        ("orders", "O4 / C1", "unparseable_timestamp"),
        ("orders", "O5 / C1", "unparseable_amount"),
        (("orders", " / C1", "missing_key")),
        ("orders", "O6 / ", "missing_key"),
        ("orders", "O7 / C2", "negative_total"),
        ("orders", "O8 / C2", "refund_exceeds_total"),
        ("orders", "O9 / C2", "conflicting_duplicate"),
        ("orders", "O9 / C2", "conflicting_duplicate"),
        ("orders", "line 17", "unparseable_line"),
        ("orders", "line 18", "unparseable_line"),
        ("orders", "line 20", "unparseable_line"),
        ("customers", "", "missing_key"),
        ("customers", "C6", "unparseable_timestamp"),
        ("customers", "C7", "unparseable_number"),
        ("customers", "C8", "unparseable_boolean"),
        ("order_lines", "O4 / P1", "order_quarantined"),
        ("order_lines", "O99 / P1", "line_without_order"),
        ("order_lines", "O3 / ", "missing_key"),
        ("order_lines", "O3 / P2", "unparseable_number"),
        ("order_lines", "O3 / P2", "negative_quantity"),
        ("order_lines", "O3 / P3", "negative_total"),
        ("order_lines", "O9 / P1", "order_quarantined"),
        ("products", "P4", "conflicting_duplicate"),
        ("products", "P4", "conflicting_duplicate"),
        ("consent_events", "C2", "unparseable_timestamp"),
    ])
    # The raw text of an unparseable line is kept whole.
    raw = messy_build.scalar(
        "select raw_values from audit.quarantined_rows where row_key = 'line 17'"
    )
    assert "O13,C5,,2024-02-10,completed,5.00,,,,,,,web,extra,fields" in raw


def test_staging_types_and_guest_checkouts(messy_build) -> None:
    orders = {r["order_id"]: r for r in messy_build.rows("select * from staging.stg_shop__orders")}
    assert sorted(orders) == ["O1", "O10", "O11", "O14", "O2", "O3"]
    assert orders["O1"]["shipping_city"] == "Helsinki, Keskusta"   # quoted comma survives
    assert str(orders["O1"]["ordered_at"]) == "2024-01-05 10:00:00"  # ISO 'T' read as written
    assert orders["O2"]["status"] == "shipped" and orders["O2"]["is_counted"] is True
    assert orders["O2"]["revenue"] == Decimal("40.00")
    assert orders["O3"]["is_counted"] is False                      # cancelled
    assert orders["O14"]["is_counted"] is True                       # DELIVERED, any case
    assert orders["O10"]["customer_id"] == "C4"                      # guest email matched
    assert orders["O10"]["is_guest"] is False
    expected_guest = "guest_" + hashlib.sha256(b"guest@example.com").hexdigest()[:16]
    assert orders["O11"]["customer_id"] == expected_guest
    assert orders["O11"]["is_guest"] is True
    # Erased customer C9 is gone from every staging model.
    for model, column in [
        ("stg_shop__orders", "customer_id"),
        ("stg_shop__customers", "customer_id"),
        ("stg_shop__consent_events", "customer_id"),
    ]:
        assert messy_build.scalar(f"select count(*) from staging.{model} where {column} = 'C9'") == 0
    assert messy_build.scalar(
        "select count(*) from staging.stg_shop__order_lines as lines "
        "inner join staging.base_shop__orders_checked as orders "
        "on lines.order_row_number = orders.file_row_number where orders.order_id = 'O12'"
    ) == 0
    # Booleans as shops write them.
    consent = dict(
        (r["customer_id"], r["marketing_consent"])
        for r in messy_build.rows("select * from staging.stg_shop__customers")
    )
    assert consent == {"C1": True, "C2": False, "C3": None, "C4": True, "C5": True}
    # An absent optional column gives nulls.
    assert messy_build.scalar(
        "select count(*) from staging.stg_shop__products where brand is null and is_consumable is null"
    ) == 3


def test_as_of_date_defaults_to_the_day_after_the_latest_counted_order(messy_build) -> None:
    # Counted orders: O1 (Jan 5), O2 (Jan 6), O10 (Feb 7), O11 (Feb 8), O14 (Feb 10); O3 is cancelled.
    assert str(messy_build.scalar("select as_of_date from intermediate.int_as_of_date")) == "2024-02-11"
    assert messy_build.scalar("select count(*) from intermediate.int_orders_counted") == 5


def test_as_of_date_var_ignores_later_orders(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    write_messy_shop(raw)
    build = build_shop(raw, as_of_date="2024-02-08")
    assert build.success, build.error_text()
    ids = [r["order_id"] for r in build.rows(
        "select order_id from intermediate.int_orders_counted order by order_id")]
    assert ids == ["O1", "O10", "O2"]   # O11 (Feb 8) is on the day: ignored


def test_missing_required_column_fails_with_one_clear_line(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", "order_id,customer_id,ordered_at", ["O1,C1,2024-01-01"])
    build = build_shop(raw)
    assert not build.success
    assert f"kanta: {raw}/orders.csv: required column 'order_total' is missing" in build.error_text()


def test_missing_required_file_fails_with_one_clear_line(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "customers.csv", "customer_id", ["C1"])
    build = build_shop(raw)
    assert not build.success
    assert f"kanta: required raw file missing: {raw}/orders.csv (or .parquet)" in build.error_text()


def test_only_required_file_and_columns_still_builds(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(
        raw / "orders.csv",
        "order_id,customer_id,ordered_at,order_total",
        ["O1,C1,2024-01-01 10:00:00,10.00", "O2,C2,2024-01-03 10:00:00,20.00"],
    )
    build = build_shop(raw)
    assert build.success, build.error_text()
    # Without a status column every order counts.
    assert build.scalar("select count(*) from intermediate.int_orders_counted") == 2
    assert str(build.scalar("select as_of_date from intermediate.int_as_of_date")) == "2024-01-04"
    for table in ["order_lines", "products", "customers", "consent_events", "erasure_requests"]:
        assert build.scalar(f"select count(*) from staging.stg_shop__{table}") == 0


def test_parquet_input_loads_like_csv(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    con = duckdb.connect()
    con.execute(f"""
        copy (
            select * from (values
                ('O1', 'C1', timestamp '2024-01-01 10:00:00', 10.50::decimal(18,2), 'completed'),
                ('O2', 'C1', timestamp '2024-01-09 08:00:00', 20.00::decimal(18,2), 'pending'),
                ('O3', null, timestamp '2024-01-10 08:00:00', 5.00::decimal(18,2), 'paid')
            ) as t(order_id, customer_id, ordered_at, order_total, status)
        ) to '{raw}/orders.parquet' (format parquet)
    """)
    con.close()
    build = build_shop(raw)
    assert build.success, build.error_text()
    recon = build.rows("select * from audit.load_reconciliation where table_name = 'orders'")[0]
    assert (recon["rows_read"], recon["rows_loaded"], recon["rows_quarantined"]) == (3, 2, 1)
    assert recon["revenue_loaded"] == Decimal("30.50")
    assert build.scalar("select reason from audit.quarantined_rows") == "missing_key"
    assert str(build.scalar("select as_of_date from intermediate.int_as_of_date")) == "2024-01-02"


def test_demo_quarantine_matches_the_generator_manifest(demo_build) -> None:
    """The generator records what it wrote (manifest.json): an independent count of every fate."""
    import json

    from conftest import DEMO_DIR, assert_reconciles_with_manifest

    manifest = json.loads((DEMO_DIR / "manifest.json").read_text())["tables"]
    assert_reconciles_with_manifest(demo_build, manifest)


def test_exclude_shipping_and_tax_subtracts_both(tmp_path: Path, build_shop: BuildShop) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        # 120.00 paid, 10.00 refunded, 8.00 shipping, 20.00 tax
        order("O1", "C1", "2024-01-05 10:00:00", "120.00", refunded="10.00", shipping="8.00", tax="20.00"),
        order("O2", "C2", "2024-01-06 10:00:00", "50.00"),   # no refund, shipping or tax columns set
    ])
    default = build_shop(raw)
    excluded = build_shop(raw, variables={"exclude_shipping_and_tax": True})
    assert default.success and excluded.success, default.error_text() + excluded.error_text()
    revenue = "select order_id, revenue from staging.stg_shop__orders order by order_id"
    assert [r["revenue"] for r in default.rows(revenue)] == [Decimal("110.00"), Decimal("50.00")]  # 120 - 10
    assert [r["revenue"] for r in excluded.rows(revenue)] == [Decimal("82.00"), Decimal("50.00")]  # 120 - 10 - 8 - 20
    assert excluded.scalar("select sum(total_revenue) from marts.customer_facts") == Decimal("132.00")


def test_copy_checks_compare_rows_exactly(tmp_path: Path, build_shop: BuildShop) -> None:
    """Copies and conflicts, worked out by hand: only byte-identical rows are copies; a key with
    two different rows is conflicting even when one of them also has an exact copy."""
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", "order_id,customer_id,ordered_at,order_total", [
        "O1,C1,2024-01-01 10:00:00,10.00",
        "O1,C1,2024-01-01 10:00:00,10.00",    # copy of row 1: collapsed
        "O1,C1,2024-01-01 10:00:00,10.00",    # copy of row 1: collapsed
        "O2,C2,2024-01-02 10:00:00,20.00",
        "O2,C2,2024-01-02 10:00:00,20.00",    # a copy, but O2 also has a different row:
        "O2,C2,2024-01-02 10:00:00,20.0",     # all three O2 rows conflicting
        "O3,C3,2024-01-03 10:00:00,30.00",
        " O3,C3,2024-01-03 10:00:00,30.00",   # same key once trimmed, other raw text: conflicting
        "O4,C4,2024-01-04 10:00:00,",         # missing_value, twice (never collapsed)
        "O4,C4,2024-01-04 10:00:00,",
        "O5,C5,2024-01-05 10:00:00,50.00",
    ])
    write_csv(raw / "order_lines.csv", "order_id,product_id,quantity,line_total", [
        "O1,P1,1,4.00",
        "O1,P1,1,4.00",     # copy: collapsed
        "O1,P1,2,8.00",     # same order and product, other quantity: a line of its own
        "O1,P2,,6.00",      # empty quantity: missing_value
        "O1,P2,,6.00",      # its copy, also quarantined (quarantined rows are never collapsed)
        "O5,P1,1,",         # no line_total: loaded, revenue 0
        "O5,P1,1,",         # copy: collapsed (the empty field compared like any value)
    ])
    build = build_shop(raw)
    assert build.success, build.error_text()
    orders = build.rows(
        "select file_row_number, quarantine_reason, is_collapsed_duplicate "
        "from staging.base_shop__orders_checked order by file_row_number"
    )
    assert [(r["quarantine_reason"], r["is_collapsed_duplicate"]) for r in orders] == [
        (None, False), (None, True), (None, True),
        ("conflicting_duplicate", False), ("conflicting_duplicate", False), ("conflicting_duplicate", False),
        ("conflicting_duplicate", False), ("conflicting_duplicate", False),
        ("missing_value", False), ("missing_value", False),
        (None, False),
    ]
    lines = build.rows(
        "select quarantine_reason, is_collapsed_duplicate "
        "from staging.base_shop__order_lines_checked order by file_row_number"
    )
    assert [(r["quarantine_reason"], r["is_collapsed_duplicate"]) for r in lines] == [
        (None, False), (None, True), (None, False),
        ("missing_value", False), ("missing_value", False),
        (None, False), (None, True),
    ]
    recon = {r["table_name"]: r for r in build.rows("select * from audit.load_reconciliation")}
    # orders: 11 read = 2 loaded (O1, O5) + 7 quarantined + 2 collapsed copies of O1.
    assert (recon["orders"]["rows_read"], recon["orders"]["rows_loaded"],
            recon["orders"]["rows_quarantined"], recon["orders"]["duplicates_collapsed"]) == (11, 2, 7, 2)
    # lines: 7 read = 3 loaded + 2 quarantined + 2 collapsed.
    assert (recon["order_lines"]["rows_read"], recon["order_lines"]["rows_loaded"],
            recon["order_lines"]["rows_quarantined"], recon["order_lines"]["duplicates_collapsed"]) == (7, 3, 2, 2)


def test_typed_parquet_columns_check_like_their_text(tmp_path: Path, build_shop: BuildShop) -> None:
    """Parquet columns already of the contract's type skip the text round trip: every checked
    row (reason, copy flag, typed values, raw values) equals the same shop written as CSV."""
    con = duckdb.connect()
    con.execute("""
        create table orders as select * from (values
            ('O1', 'C1', timestamp '2024-01-01 10:00:00', 10.50::decimal(18,2), 0.00::decimal(18,2), 'completed'),
            ('O1', 'C1', timestamp '2024-01-01 10:00:00', 10.50::decimal(18,2), 0.00::decimal(18,2), 'completed'),
            ('O2', 'C2', timestamp '2024-01-02 11:30:00', 20.00::decimal(18,2), 25.00::decimal(18,2), 'paid'),
            ('O3', 'C3', null, 5.00::decimal(18,2), null, 'paid'),
            ('O4', 'C3', timestamp '2024-01-04 09:00:00', -1.00::decimal(18,2), null, 'paid'),
            ('O5', 'C4', timestamp '2024-01-05 09:00:00', 7.25::decimal(18,2), 1.25::decimal(18,2), 'paid'),
            ('O5', 'C4', timestamp '2024-01-05 09:00:00', 7.26::decimal(18,2), 1.25::decimal(18,2), 'paid'),
            ('O6', 'C5', timestamp '2024-01-06 09:00:00', 30.00::decimal(18,2), null, 'Shipped')
        ) as t(order_id, customer_id, ordered_at, order_total, refunded_total, status)
    """)
    con.execute("""
        create table order_lines as select * from (values
            ('O1', 'P1', 2, 10.50::decimal(18,2)),
            ('O6', 'P1', 1, 12.00::decimal(18,2)),
            ('O6', 'P1', 1, 12.00::decimal(18,2)),
            ('O6', 'P2', -1, 18.00::decimal(18,2)),
            ('O6', 'P2', null, 18.00::decimal(18,2)),
            ('O9', 'P2', 1, 1.00::decimal(18,2))
        ) as t(order_id, product_id, quantity, line_total)
    """)
    con.execute("""
        create table products as select * from (values
            ('P1', 'Bowl', 'bowls', true), ('P2', 'Leash', 'leashes', false)
        ) as t(product_id, product_name, category, is_consumable)
    """)
    builds = {}
    for fmt in ["parquet", "csv"]:
        raw = tmp_path / fmt
        raw.mkdir()
        for table in ["orders", "order_lines", "products"]:
            options = "format parquet" if fmt == "parquet" else "format csv, header true"
            con.execute(f"copy {table} to '{raw}/{table}.{fmt}' ({options})")
        builds[fmt] = build_shop(raw)
        assert builds[fmt].success, builds[fmt].error_text()
    con.close()
    typed, text = builds["parquet"], builds["csv"]
    # The fast path is taken: the Parquet base view passes the typed columns through.
    types = {r["column_name"]: r["column_type"] for r in typed.rows("describe staging.base_shop__orders")}
    assert (types["ordered_at"], types["order_total"], types["order_id"]) == ("TIMESTAMP", "DECIMAL(18,2)", "VARCHAR")
    for table in ["orders", "order_lines", "products"]:
        query = (f"select * exclude (source_file) from staging.base_shop__{table}_checked "
                 "order by file_row_number")
        assert typed.rows(query) == text.rows(query), table
    reasons = [r["quarantine_reason"] for r in typed.rows(
        "select quarantine_reason from staging.base_shop__orders_checked order by file_row_number")]
    assert reasons == [None, None, "refund_exceeds_total", "missing_value", "negative_total",
                       "conflicting_duplicate", "conflicting_duplicate", None]
    line_reasons = [r["quarantine_reason"] for r in typed.rows(
        "select quarantine_reason from staging.base_shop__order_lines_checked order by file_row_number")]
    assert line_reasons == [None, None, None, "negative_quantity", "missing_value", "line_without_order"]
    assert typed.scalar("select count(*) from staging.base_shop__orders_checked where is_collapsed_duplicate") == 1
