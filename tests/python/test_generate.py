"""Tests of the shop generator (kanta.generate).

The manifest is checked against an independent, deliberately simple reading of
the written files: `expected_outcome` parses every row with Python's csv module
(or pyarrow for Parquet) and applies the pipeline rules row by row.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import assert_reconciles_with_manifest
from kanta.__main__ import main
from kanta.generate import LIFE_EVENTS, TABLES, GenerateConfig, generate

CUSTOMERS = 2000
ORDERS = 8000

# --------------------------------------------------------------------------------------
# Fixtures: one shop per format, generated once per test session
# --------------------------------------------------------------------------------------


def _make(out: Path, seed: int = 7, fmt: str = "csv", **kwargs: object) -> dict:
    config = GenerateConfig(customers=CUSTOMERS, orders=ORDERS, out_dir=out, seed=seed, fmt=fmt, progress=False, **kwargs)
    return generate(config)


@pytest.fixture(scope="module")
def csv_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv_shop")
    _make(out)
    return out


@pytest.fixture(scope="module")
def parquet_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet_shop")
    _make(out, fmt="parquet")
    return out


# --------------------------------------------------------------------------------------
# Reading the files back (independent of the generator's code)
# --------------------------------------------------------------------------------------

Row = dict[str, str | None]


def read_rows(out: Path, table: str, fmt: str) -> list[Row | None]:
    """All data rows of a file; None for a line a CSV reader must reject."""
    if fmt == "parquet":
        rows: list[Row | None] = []
        for record in pq.read_table(out / f"{table}.parquet").to_pylist():
            rows.append({k: _text(v) for k, v in record.items()})
        return rows
    raw_lines = (out / f"{table}.csv").read_bytes().split(b"\n")
    assert raw_lines[-1] == b"", "file must end with a newline"
    header = raw_lines[0].decode().split(",")
    rows = []
    for raw in raw_lines[1:-1]:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            rows.append(None)
            continue
        values = next(csv.reader([text]))
        if len(values) != len(header):
            rows.append(None)
            continue
        rows.append({k: (v if v != "" else None) for k, v in zip(header, values)})
    return rows


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


def parse_ts(v: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(v, fmt)
        except ValueError:
            pass
    return None


def parse_money(v: str) -> Decimal | None:
    return Decimal(v) if re.fullmatch(r"-?\d+(\.\d{1,2})?", v) else None


def parse_int(v: str) -> int | None:
    return int(v) if re.fullmatch(r"-?\d+", v) else None


def parse_bool(v: str) -> bool | None:
    return {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}.get(v.strip().lower())


SPEC: dict[str, dict[str, tuple[str, ...]]] = {
    "orders": {"key": ("order_id",), "ts": ("ordered_at",),
               "money": ("order_total", "refunded_total", "shipping_total", "tax_total")},
    "order_lines": {"key": ("order_id", "product_id"), "int": ("quantity",), "money": ("line_total",)},
    "products": {"key": ("product_id",), "bool": ("is_consumable",)},
    "customers": {"key": ("customer_id",), "ts": ("created_at",), "int": ("birth_year",),
                  "bool": ("is_business", "marketing_consent")},
    "consent_events": {"key": ("customer_id",), "ts": ("changed_at",), "bool": ("consent",)},
    "erasure_requests": {"key": ("customer_id",), "ts": ("requested_at",)},
}


def row_reason(table: str, row: Row | None) -> str | None:
    """The first quarantine reason of a row on its own (duplicates and references come later)."""
    if row is None:
        return "unparseable_line"
    spec = SPEC[table]
    if any(row[k] is None for k in spec["key"]):
        return "missing_key"
    if table == "orders" and row["customer_id"] is None and row["customer_email"] is None:
        return "missing_key"
    checks = (("ts", parse_ts, "unparseable_timestamp"), ("money", parse_money, "unparseable_amount"),
              ("int", parse_int, "unparseable_number"), ("bool", parse_bool, "unparseable_boolean"))
    for kind, parse, reason in checks:
        if any(row[c] is not None and parse(row[c]) is None for c in spec.get(kind, ())):
            return reason
    if table == "orders" and parse_money(row["order_total"]) < 0:
        return "negative_total"
    if table == "order_lines" and parse_money(row["line_total"]) < 0:
        return "negative_total"
    if table == "order_lines" and parse_int(row["quantity"]) < 0:
        return "negative_quantity"
    if table == "orders" and row["refunded_total"] is not None:
        if parse_money(row["refunded_total"]) > parse_money(row["order_total"]):
            return "refund_exceeds_total"
    return None


def revenue(row: Row) -> Decimal | None:
    total = parse_money(row["order_total"] or "")
    refunded = parse_money(row["refunded_total"]) if row["refunded_total"] is not None else Decimal(0)
    return None if total is None or refunded is None else total - refunded


@functools.lru_cache(maxsize=8)
def row_fates(out: Path, fmt: str) -> tuple[dict[str, list[Row | None]], dict[str, list[str]]]:
    """Rows of every table and each row's fate: '' (loaded), 'collapsed', 'erased' or a reason."""
    rows = {t: read_rows(out, t, fmt) for t in TABLES}
    fate: dict[str, list[str]] = {}
    for table in TABLES:
        fates = [row_reason(table, r) or "" for r in rows[table]]
        # Exact copies of a row: the first stays, the others are collapsed.
        seen: set[tuple] = set()
        for i, r in enumerate(rows[table]):
            if fates[i] == "":
                key = tuple(r.items())
                if key in seen:
                    fates[i] = "collapsed"
                seen.add(key)
        # Conflicting duplicates: one id in 2+ different rows.
        id_col = {"orders": "order_id", "customers": "customer_id", "products": "product_id"}.get(table)
        if id_col:
            counts = Counter(r[id_col] for r, f in zip(rows[table], fates) if f == "")
            for i, r in enumerate(rows[table]):
                if fates[i] == "" and counts[r[id_col]] > 1:
                    fates[i] = "conflicting_duplicate"
        fate[table] = fates

    parsed_orders = {r["order_id"] for r in rows["orders"] if r is not None and r["order_id"] is not None}
    good_orders = {r["order_id"] for r, f in zip(rows["orders"], fate["orders"]) if f in ("", "collapsed")}
    for i, r in enumerate(rows["order_lines"]):
        if fate["order_lines"][i] == "":
            if r["order_id"] not in parsed_orders:
                fate["order_lines"][i] = "line_without_order"
            elif r["order_id"] not in good_orders:
                fate["order_lines"][i] = "order_quarantined"

    # Erasure.
    erased_ids = {r["customer_id"] for r, f in zip(rows["erasure_requests"], fate["erasure_requests"]) if f == ""}
    erased_emails = {r["email"].strip().lower() for r in rows["customers"]
                     if r is not None and r["customer_id"] in erased_ids and r["email"]}
    erased_orders: set[str] = set()
    for i, r in enumerate(rows["orders"]):
        if fate["orders"][i] == "" and (
            r["customer_id"] in erased_ids
            or (r["customer_id"] is None and r["customer_email"].strip().lower() in erased_emails)
        ):
            fate["orders"][i] = "erased"
            erased_orders.add(r["order_id"])
    for table, column, ids in (("order_lines", "order_id", erased_orders), ("customers", "customer_id", erased_ids),
                               ("consent_events", "customer_id", erased_ids)):
        for i, r in enumerate(rows[table]):
            if fate[table][i] == "" and r[column] in ids:
                fate[table][i] = "erased"
    return rows, fate


def expected_outcome(out: Path, fmt: str) -> dict[str, dict]:
    """The manifest's tables as the pipeline rules give them for the written files."""
    rows, fate = row_fates(out, fmt)
    result: dict[str, dict] = {}
    for table in TABLES:
        c = Counter(fate[table])
        quarantined = {k: v for k, v in c.items() if k not in ("", "collapsed", "erased")}
        entry = {"rows_read": len(rows[table]), "loaded": c[""], "quarantined": quarantined,
                 "collapsed_duplicates": c["collapsed"], "erased": c["erased"]}
        if table == "orders":
            sums = defaultdict(Decimal)
            for r, f in zip(rows["orders"], fate["orders"]):
                if f == "collapsed" or r is None:
                    continue
                value = revenue(r)
                if value is not None:
                    sums["loaded" if f == "" else "erased" if f == "erased" else "quarantined"] += value
            for key in ("loaded", "quarantined", "erased"):
                entry[f"revenue_{key}"] = f"{sums[key]:.2f}"
        result[table] = entry
    return result


def _manifest_tables(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {t: {k: v for k, v in info.items() if k != "file"} for t, info in manifest["tables"].items()}


def _digest(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


# --------------------------------------------------------------------------------------
# Determinism and manifest
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_gives_identical_bytes(tmp_path: Path, fmt: str) -> None:
    _make(tmp_path / "a", seed=11, fmt=fmt)
    _make(tmp_path / "b", seed=11, fmt=fmt)
    _make(tmp_path / "c", seed=12, fmt=fmt)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert a == b
    assert len(a) == len(TABLES) + 1
    assert a[f"orders.{fmt}"] != c[f"orders.{fmt}"]
    assert a[f"customers.{fmt}"] != c[f"customers.{fmt}"]


@pytest.mark.parametrize("shop", ["csv_shop", "parquet_shop"])
def test_manifest_matches_independent_reading(shop: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(shop)
    fmt = "csv" if shop == "csv_shop" else "parquet"
    assert _manifest_tables(out) == expected_outcome(out, fmt)


def test_manifest_counts_add_up_and_match_line_counts(csv_shop: Path) -> None:
    manifest = json.loads((csv_shop / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["format"] == "csv"
    assert (manifest["customers"], manifest["orders"]) == (CUSTOMERS, ORDERS)
    assert (manifest["start"], manifest["end"]) == ("2023-01-01", "2025-12-31")
    for table, info in manifest["tables"].items():
        lines = (csv_shop / info["file"]).read_bytes().count(b"\n") - 1  # minus the header
        assert info["rows_read"] == lines, table
        total = info["loaded"] + sum(info["quarantined"].values()) + info["collapsed_duplicates"] + info["erased"]
        assert total == info["rows_read"], table


def test_every_bad_kind_is_present_in_csv(csv_shop: Path) -> None:
    tables = _manifest_tables(csv_shop)
    expected = {
        "orders": ["unparseable_line", "missing_key", "unparseable_timestamp", "unparseable_amount",
                   "negative_total", "refund_exceeds_total", "conflicting_duplicate"],
        "order_lines": ["missing_key", "unparseable_number", "negative_quantity", "order_quarantined",
                        "line_without_order"],
        "customers": ["missing_key", "unparseable_timestamp"],
        "products": ["missing_key"],
        "consent_events": ["unparseable_timestamp"],
    }
    for table, reasons in expected.items():
        for reason in reasons:
            assert tables[table]["quarantined"].get(reason, 0) >= 2, (table, reason)
    for table in ("orders", "order_lines", "customers"):
        assert tables[table]["collapsed_duplicates"] >= 2
    assert tables["erasure_requests"]["loaded"] >= 2
    for table in ("customers", "orders", "order_lines"):
        assert tables[table]["erased"] >= 1
    raw = (csv_shop / "orders.csv").read_bytes()
    assert b"\xff\xfe" in raw
    assert any(line.count(b",") >= 19 for line in raw.split(b"\n"))


def test_parquet_has_only_typed_bad_kinds(parquet_shop: Path) -> None:
    tables = _manifest_tables(parquet_shop)
    unparseable = {"unparseable_line", "unparseable_timestamp", "unparseable_amount", "unparseable_number"}
    for info in tables.values():
        assert not unparseable & set(info["quarantined"])
    assert tables["orders"]["quarantined"]["conflicting_duplicate"] >= 4
    assert tables["orders"]["collapsed_duplicates"] >= 2
    schema = pq.read_schema(parquet_shop / "orders.parquet")
    assert str(schema.field("ordered_at").type) == "timestamp[us]"
    assert str(schema.field("order_total").type) == "decimal128(18, 2)"
    assert str(pq.read_schema(parquet_shop / "order_lines.parquet").field("quantity").type) == "int32"
    assert str(pq.read_schema(parquet_shop / "customers.parquet").field("is_business").type) == "bool"


def test_without_bad_rows_everything_loads(tmp_path: Path) -> None:
    manifest = _make(tmp_path, bad_rows=False)
    for table, info in manifest["tables"].items():
        assert info["quarantined"] == {} and info["collapsed_duplicates"] == 0, table
        assert info["loaded"] + info["erased"] == info["rows_read"]
    assert _manifest_tables(tmp_path) == expected_outcome(tmp_path, "csv")


# --------------------------------------------------------------------------------------
# Formats and consistency of the clean data
# --------------------------------------------------------------------------------------


def _loaded(out: Path, table: str, fmt: str = "csv") -> list[Row]:
    """The rows the pipeline loads."""
    rows, fate = row_fates(out, fmt)
    return [r for r, f in zip(rows[table], fate[table]) if f == "" and r is not None]


def test_csv_formats(csv_shop: Path) -> None:
    header = (csv_shop / "orders.csv").read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    assert header == ("order_id,customer_id,customer_email,ordered_at,status,order_total,refunded_total,"
                      "shipping_total,tax_total,coupon_code,shipping_city,shipping_postcode,billing_city")
    orders = _loaded(csv_shop, "orders")
    assert all(re.fullmatch(r"O\d{7,}", r["order_id"]) for r in orders)
    assert all(re.fullmatch(r"-?\d+\.\d\d", r["order_total"]) for r in orders)
    stamps = [r["ordered_at"] for r in orders]
    with_t = sum("T" in s for s in stamps) / len(stamps)
    assert 0.07 < with_t < 0.13
    customers = _loaded(csv_shop, "customers")
    assert all(re.fullmatch(r"C\d{6,}", r["customer_id"]) for r in customers)
    assert {r["is_business"] for r in customers} >= {"true", "false"}
    products = (csv_shop / "products.csv").read_text(encoding="utf-8")
    assert re.search(r'^P\d+,"[^"\n]*,[^"\n]*",', products, flags=re.MULTILINE), "a quoted name with a comma"


def test_order_totals_are_consistent(csv_shop: Path) -> None:
    orders = {r["order_id"]: r for r in _loaded(csv_shop, "orders")}
    goods: dict[str, Decimal] = defaultdict(Decimal)
    for r in _loaded(csv_shop, "order_lines"):
        goods[r["order_id"]] += Decimal(r["line_total"])
    checked = 0
    for oid, r in orders.items():
        total, shipping, tax = Decimal(r["order_total"]), Decimal(r["shipping_total"]), Decimal(r["tax_total"])
        refunded = Decimal(r["refunded_total"] or 0)
        assert 0 <= refunded <= total
        checked += 1
        assert total == goods[oid] + shipping, oid
        assert abs(tax - goods[oid] * Decimal(20) / Decimal(120)) <= Decimal("0.01"), oid
    assert checked > ORDERS * 0.97


def test_customers_are_created_before_their_first_order(csv_shop: Path) -> None:
    created = {r["customer_id"]: parse_ts(r["created_at"]) for r in _loaded(csv_shop, "customers")}
    first: dict[str, datetime] = {}
    for r in _loaded(csv_shop, "orders"):
        if r["customer_id"] in created:
            ts = parse_ts(r["ordered_at"])
            first[r["customer_id"]] = min(ts, first.get(r["customer_id"], ts))
    assert first
    assert all(created[c] <= ts for c, ts in first.items())
    prospects = 1 - len(first) / len(created)
    assert 0.10 < prospects < 0.22


def test_dates_within_range_and_referrals_point_back(csv_shop: Path) -> None:
    start, end = datetime(2023, 1, 1), datetime(2025, 12, 31)
    for table, column in (("orders", "ordered_at"), ("customers", "created_at"), ("consent_events", "changed_at"),
                          ("erasure_requests", "requested_at")):
        assert all(start <= parse_ts(r[column]) < end for r in _loaded(csv_shop, table)), table
    customers = {r["customer_id"]: r for r in _loaded(csv_shop, "customers")}
    referred = [r for r in customers.values() if r["referred_by_customer_id"]]
    assert len(referred) > CUSTOMERS * 0.04
    for r in referred:
        referrer = customers.get(r["referred_by_customer_id"])
        if referrer is not None:
            assert parse_ts(referrer["created_at"]) <= parse_ts(r["created_at"])


# --------------------------------------------------------------------------------------
# Realism
# --------------------------------------------------------------------------------------


def _identities(out: Path) -> tuple[dict[str, list[Row]], dict[str, str]]:
    """Orders per buyer: customer_id, or a guest email resolved to a customer when it matches."""
    by_email = {r["email"].strip().lower(): r["customer_id"] for r in _loaded(out, "customers")}
    buyers: dict[str, list[Row]] = defaultdict(list)
    for r in _loaded(out, "orders"):
        who = r["customer_id"] or by_email.get(r["customer_email"].strip().lower(), "guest:" + r["customer_email"].strip().lower())
        buyers[who].append(r)
    return buyers, by_email


def test_one_time_buyers_and_vips(csv_shop: Path) -> None:
    buyers, _ = _identities(csv_shop)
    counts = [len(v) for v in buyers.values()]
    one_share = sum(c == 1 for c in counts) / len(counts)
    assert 0.5 < one_share < 0.66
    vip = sum(1 for v in buyers.values() if len(v) >= 10 or sum(Decimal(r["order_total"]) for r in v) >= 1000)
    assert 0.01 < vip / len(counts) < 0.15
    customers = _loaded(csv_shop, "customers")
    business = [r for r in customers if r["is_business"] in ("true", "yes", "1")]
    assert 0.015 < len(business) / len(customers) < 0.05
    assert all(r["company_name"] for r in business)


def test_seasonality_weekly_and_daily_patterns(csv_shop: Path) -> None:
    stamps = [parse_ts(r["ordered_at"]) for r in _loaded(csv_shop, "orders")]
    per_month = Counter((t.year, t.month) for t in stamps)
    full_months = [per_month[(y, m)] for y in (2023, 2024) for m in range(1, 13)]
    december = [per_month[(y, 12)] for y in (2023, 2024)]
    assert min(december) > 1.1 * sum(full_months) / len(full_months)
    weekday = Counter(t.weekday() for t in stamps)
    assert weekday[6] > weekday[5]  # Sunday busier than Saturday
    hours = Counter(t.hour for t in stamps)
    assert hours[20] > 2 * hours[10] / 1.5 and hours[20] > 5 * hours[4]


def test_statuses_coupons_and_refunds(csv_shop: Path) -> None:
    orders = _loaded(csv_shop, "orders")
    statuses = Counter(r["status"] for r in orders)
    normal = Counter(s.strip().lower() for s in statuses.elements())
    assert normal.most_common(1)[0][0] == "completed"
    assert {"shipped", "delivered", "paid", "cancelled", "refunded", "pending"} <= set(normal)
    assert any(s != s.strip().lower() for s in statuses)
    coupons = Counter(r["coupon_code"] for r in orders if r["coupon_code"])
    assert 0.05 < sum(coupons.values()) / len(orders) < 0.16
    assert {"WELCOME10", "WINBACK15", "VIP20", "SPRING5"} <= set(coupons)
    partial = [r for r in orders if r["status"].strip().lower() == "completed" and r["refunded_total"]
               and 0 < Decimal(r["refunded_total"]) < Decimal(r["order_total"])]
    assert partial


def test_gift_and_guest_orders(csv_shop: Path) -> None:
    orders = _loaded(csv_shop, "orders")
    customers = {r["customer_id"]: r for r in _loaded(csv_shop, "customers")}
    gifts = [r for r in orders if r["customer_id"] and r["shipping_city"] != r["billing_city"]]
    assert 0.015 < len(gifts) / len(orders) < 0.05
    assert all(customers[r["customer_id"]]["city"] == r["billing_city"] for r in gifts if r["customer_id"] in customers)

    _, by_email = _identities(csv_shop)
    guests = [r for r in orders if not r["customer_id"]]
    known = [r for r in guests if r["customer_email"].strip().lower() in by_email]
    unknown = [r for r in guests if r["customer_email"].strip().lower() not in by_email]
    assert 0.01 < len(guests) / len(orders) < 0.03
    assert known and unknown
    assert all(r["customer_email"] not in by_email for r in known), "known guests use another spelling"
    erased = {r["customer_id"] for r in _loaded(csv_shop, "erasure_requests")}
    assert not {by_email[r["customer_email"].strip().lower()] for r in known} & erased


def _categories(out: Path) -> tuple[dict[str, str], dict[str, bool]]:
    products = _loaded(out, "products")
    return ({r["product_id"]: r["category"] for r in products},
            {r["product_id"]: r["is_consumable"] == "true" for r in products})


def test_life_event_bundles(csv_shop: Path) -> None:
    category, _ = _categories(csv_shop)
    orders = {r["order_id"]: r for r in _loaded(csv_shop, "orders") if r["customer_id"]}
    bought: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for line in _loaded(csv_shop, "order_lines"):
        order = orders.get(line["order_id"])
        if order is not None:
            bought[order["customer_id"]].append((parse_ts(order["ordered_at"]), category[line["product_id"]]))
    found: Counter[str] = Counter()
    for items in bought.values():
        for event in LIFE_EVENTS:
            hits = sorted((t, c) for t, c in items if c in event.triggers)
            for i, (t0, _) in enumerate(hits):
                window = {c for t, c in hits[i:] if t - t0 <= timedelta(days=30)}
                if len(window) >= 3:
                    found[event.name] += 1
                    break
    assert all(found[e.name] >= 3 for e in LIFE_EVENTS), found


def test_consumables_on_a_cycle(csv_shop: Path) -> None:
    _, consumable = _categories(csv_shop)
    orders = {r["order_id"]: r for r in _loaded(csv_shop, "orders") if r["customer_id"]}
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for line in _loaded(csv_shop, "order_lines"):
        order = orders.get(line["order_id"])
        if order is not None and consumable[line["product_id"]]:
            times[(order["customer_id"], line["product_id"])].append(parse_ts(order["ordered_at"]))
    steady = 0
    for stamps in times.values():
        if len(stamps) >= 4:
            stamps.sort()
            gaps = [(b - a).days for a, b in zip(stamps, stamps[1:])]
            if max(gaps) - min(gaps) <= 8 and 10 <= min(gaps):
                steady += 1
    assert steady >= 10


def test_consent_events_change_consent(csv_shop: Path) -> None:
    customers = {r["customer_id"]: r for r in _loaded(csv_shop, "customers")}
    events = _loaded(csv_shop, "consent_events")
    assert len(events) > CUSTOMERS * 0.08
    values = {r["consent"] for r in events}
    assert values == {"true", "false"}
    for r in events:
        c = customers.get(r["customer_id"])
        if c is not None:
            assert parse_ts(r["changed_at"]) > parse_ts(c["created_at"])


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def test_cli_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--customers", "300", "--orders", "900", "--out", str(tmp_path), "--seed", "3",
                 "--format", "parquet", "--start", "2024-01-01", "--end", "2024-07-01", "--no-bad-rows",
                 "--no-progress"])
    assert code == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["format"] == "parquet" and manifest["bad_rows"] is False
    assert (manifest["start"], manifest["end"]) == ("2024-01-01", "2024-07-01")
    stamps = pq.read_table(tmp_path / "orders.parquet").column("ordered_at").to_pylist()
    assert len(stamps) == 900
    assert min(stamps) >= datetime(2024, 1, 1) and max(stamps) < datetime(2024, 7, 1)


def test_cli_help_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--help"])
    assert exc.value.code == 0
    assert "--bad-rows" in capsys.readouterr().out
    assert main(["generate", "--customers", "5", "--out", str(tmp_path), "--no-progress"]) == 2
    assert main(["generate", "--orders", "999_000_000", "--out", str(tmp_path), "--no-progress"]) == 2
    assert main(["generate", "--out", str(tmp_path), "--start", "2024-01-01", "--end", "2023-01-01",
                 "--no-progress"]) == 2


def test_smallest_shop(tmp_path: Path) -> None:
    manifest = generate(GenerateConfig(customers=100, orders=100, out_dir=tmp_path, seed=0, progress=False,
                                       start=date(2024, 1, 1), end=date(2024, 1, 15)))
    assert manifest["tables"]["orders"]["loaded"] > 80
    assert _manifest_tables(tmp_path) == expected_outcome(tmp_path, "csv")


# --------------------------------------------------------------------------------------
# Shops generated in parts
# --------------------------------------------------------------------------------------

PART_CUSTOMERS = 600
PART_ORDERS = 3000
PART_SIZE = 1000  # forces 3 parts of 1,000 orders and 200 customers


def _make_parts(out: Path, fmt: str, seed: int = 7, **kwargs: object) -> dict:
    config = GenerateConfig(customers=PART_CUSTOMERS, orders=PART_ORDERS, out_dir=out, seed=seed, fmt=fmt,
                            progress=False, part_orders=PART_SIZE, **kwargs)
    assert config.n_parts == 3
    return generate(config)


@pytest.fixture(scope="module", params=["csv", "parquet"])
def parts_shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp(f"parts_{request.param}")
    _make_parts(out, request.param)
    return out, request.param


def _number(key: str | None) -> int | None:
    """The number of an id like 'O0001234' or 'C000123'."""
    return int(key[1:]) if key else None


def test_generator_reproduces_the_demo_shop_byte_for_byte(tmp_path: Path) -> None:
    """A shop that fits in one part comes out exactly as data/demo (`make demo`) was written."""
    from conftest import DEMO_DIR

    generate(GenerateConfig(customers=3000, orders=15000, out_dir=tmp_path, seed=42, fmt="csv", progress=False))
    assert _digest(tmp_path) == _digest(DEMO_DIR)


def test_one_part_does_not_depend_on_the_part_size(tmp_path: Path) -> None:
    _make(tmp_path / "default", fmt="parquet")
    _make(tmp_path / "exact", fmt="parquet", part_orders=ORDERS)
    _make(tmp_path / "three", fmt="parquet", part_orders=ORDERS // 3 + 1)
    assert _digest(tmp_path / "default") == _digest(tmp_path / "exact")
    assert _digest(tmp_path / "default")["orders.parquet"] != _digest(tmp_path / "three")["orders.parquet"]


def test_parts_manifest_matches_independent_reading(parts_shop: tuple[Path, str]) -> None:
    """Read as a whole, the files give the summed manifest: no key of one part meets another part's."""
    out, fmt = parts_shop
    assert _manifest_tables(out) == expected_outcome(out, fmt)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["customers"], manifest["orders"]) == (PART_CUSTOMERS, PART_ORDERS)
    tables = manifest["tables"]
    # Every part adds its own bad rows (3 x at least 2 per kind).
    assert tables["orders"]["collapsed_duplicates"] >= 6
    assert tables["customers"]["collapsed_duplicates"] >= 6
    assert tables["erasure_requests"]["loaded"] >= 6
    # The catalogue and its bad rows are written once.
    assert tables["products"]["quarantined"] == {"missing_key": 2}
    assert tables["products"]["collapsed_duplicates"] == 0


def test_parts_row_counts_equal_the_manifest(parts_shop: tuple[Path, str]) -> None:
    out, fmt = parts_shop
    manifest = json.loads((out / "manifest.json").read_text())
    for table, info in manifest["tables"].items():
        path = out / info["file"]
        if fmt == "csv":
            lines = path.read_bytes().split(b"\n")
            assert lines[-1] == b"", table
            assert info["rows_read"] == len(lines) - 2, table  # minus the header and the final ''
            assert lines.count(lines[0]) == 1, f"{table}: the header is written once"
        else:
            meta = pq.ParquetFile(path).metadata
            assert info["rows_read"] == meta.num_rows, table
            if table != "products":
                assert meta.num_row_groups >= 3, f"{table}: one row group per part at least"


def test_parts_keys_are_disjoint(parts_shop: tuple[Path, str]) -> None:
    """Ids are unique across the files, except the deliberate duplicates, and every part's rows,
    keys and references stay within that part's own range of ids."""
    from kanta.generate import _parts

    out, fmt = parts_shop
    config = GenerateConfig(customers=PART_CUSTOMERS, orders=PART_ORDERS, out_dir=out, seed=7, fmt=fmt,
                            part_orders=PART_SIZE)
    parts = _parts(config)
    assert len(parts) == 3
    order_ranges = [(p.order_base, p.order_base + p.orders + 2 * (p.orders // 50 + 1000) + 10) for p in parts]
    customer_ranges = [(p.customer_base, p.customer_base + p.customers + p.customers // 50 + 1010) for p in parts]
    for ranges in (order_ranges, customer_ranges):
        assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:])), "ranges of the parts overlap"

    def part_of(key: str | None, ranges: list[tuple[int, int]]) -> int | None:
        n = _number(key)
        if n is None:
            return None
        (found,) = [i for i, (lo, hi) in enumerate(ranges) if lo < n <= hi]
        return found

    rows, fate = row_fates(out, fmt)
    tables = _manifest_tables(out)
    for table, column, ranges in (("orders", "order_id", order_ranges), ("order_lines", "order_id", order_ranges),
                                  ("customers", "customer_id", customer_ranges),
                                  ("consent_events", "customer_id", customer_ranges),
                                  ("erasure_requests", "customer_id", customer_ranges)):
        seq = [part_of(r[column], ranges) for r in rows[table] if r is not None and r[column] is not None]
        assert seq == sorted(seq), f"{table}: the parts are appended one after the other"
        assert set(seq) == {0, 1, 2}, table

    # Duplicate keys are only the deliberate ones: exact copies and conflicting pairs.
    for table, column in (("orders", "order_id"), ("customers", "customer_id")):
        counts = Counter(r[column] for r in rows[table] if r is not None and r[column] is not None)
        shared = {k: n for k, n in counts.items() if n > 1}
        assert set(shared.values()) <= {2}, table
        conflicts = tables[table]["quarantined"].get("conflicting_duplicate", 0)
        assert len(shared) == tables[table]["collapsed_duplicates"] + conflicts // 2, table

    # References stay within a part: an order's customer, a referrer, a known guest's account.
    # Addresses are unique through their number ('anna.laine123@..'): no number in two parts.
    customers = [r for r, f in zip(rows["customers"], fate["customers"]) if f in ("", "erased")]
    email_number = lambda email: int(re.search(r"(\d+)@", email).group(1))  # noqa: E731
    numbers = Counter(email_number(r["email"]) for r in customers)
    assert len(numbers) == len(customers) > 500, "an email number in two parts"
    account = {r["email"].strip().lower(): r["customer_id"] for r in customers}
    guests = known = 0
    guest_addresses: set[str] = set()
    for r in rows["orders"]:
        if r is None or r["order_id"] is None:
            continue
        part = part_of(r["order_id"], order_ranges)
        if r["customer_id"] is not None:
            assert part_of(r["customer_id"], customer_ranges) == part
        elif r["customer_email"] is not None:
            guests += 1
            email = r["customer_email"].strip().lower()
            if email in account:
                known += 1
                assert part_of(account[email], customer_ranges) == part
            else:
                assert "_" in email.split("@")[0], "a guest identity's address"
                guest_addresses.add(email)
    assert guests and known
    guest_numbers = {email_number(e) for e in guest_addresses}
    assert len(guest_numbers) == len(guest_addresses) and not guest_numbers & set(numbers)
    for r in customers:
        if r["referred_by_customer_id"]:
            assert part_of(r["referred_by_customer_id"], customer_ranges) == part_of(r["customer_id"], customer_ranges)
    # Orphan lines point at no order of any part.
    order_ids = {r["order_id"] for r in rows["orders"] if r is not None}
    orphans = [r for r, f in zip(rows["order_lines"], fate["order_lines"]) if f == "line_without_order"]
    assert len(orphans) >= 6 and not {r["order_id"] for r in orphans} & order_ids


def test_parts_share_one_catalogue(parts_shop: tuple[Path, str], tmp_path: Path) -> None:
    """Products are drawn once for the whole shop: the same rows as a shop of one part of that size."""
    out, fmt = parts_shop
    from kanta.generate import _parts

    parts = _parts(GenerateConfig(customers=PART_CUSTOMERS, orders=PART_ORDERS, out_dir=out, part_orders=PART_SIZE))
    products = _loaded(out, "products", fmt)
    ids = [r["product_id"] for r in products]
    assert len(ids) == len(set(ids)) > 100
    used: dict[int, set[str]] = defaultdict(set)
    for r in _loaded(out, "order_lines", fmt):
        n = _number(r["order_id"])
        (part,) = [p.index for p in parts if p.order_base < n <= p.order_base + p.orders]
        used[part].add(r["product_id"])
    assert set(used) == {0, 1, 2}
    for part_products in used.values():
        assert part_products <= set(ids)
    assert len(used[0] & used[1] & used[2]) > 50, "the parts draw from the same products"

    single = tmp_path / "single"
    generate(GenerateConfig(customers=PART_CUSTOMERS, orders=PART_ORDERS, out_dir=single, seed=7, fmt=fmt,
                            progress=False))
    assert sorted(products, key=str) == sorted(_loaded(single, "products", fmt), key=str)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_parts_same_seed_gives_identical_bytes(tmp_path: Path, fmt: str) -> None:
    _make_parts(tmp_path / "a", fmt, seed=11)
    _make_parts(tmp_path / "b", fmt, seed=11)
    _make_parts(tmp_path / "c", fmt, seed=12)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert a == b
    assert len(a) == len(TABLES) + 1
    assert a[f"orders.{fmt}"] != c[f"orders.{fmt}"]


def test_parts_are_independent_draws(parts_shop: tuple[Path, str]) -> None:
    """Each part has its own random streams: the parts are not copies of one another."""
    out, fmt = parts_shop
    by_part: dict[int, list[tuple]] = defaultdict(list)
    from kanta.generate import _parts

    parts = _parts(GenerateConfig(customers=PART_CUSTOMERS, orders=PART_ORDERS, out_dir=out, part_orders=PART_SIZE))
    for r in _loaded(out, "orders", fmt):
        n = _number(r["order_id"])
        (part,) = [p.index for p in parts if p.order_base < n <= p.order_base + p.orders]
        by_part[part].append((r["ordered_at"], r["order_total"]))
    assert len({tuple(sorted(v)[:20]) for v in by_part.values()}) == 3


def test_parts_progress_names_the_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kanta.generate as gen

    seen: list[str] = []
    declared: list[int] = []

    class Recorder(gen.StepProgress):
        def __init__(self, steps: list[str], desc: str, enabled: bool = True) -> None:
            super().__init__(steps, desc, enabled=False)
            declared.append(len(steps))

        def step(self, name: str):  # type: ignore[no-untyped-def]
            seen.append(name)
            return super().step(name)

        def advance(self, name: str) -> None:
            seen.append(name)
            super().advance(name)

    monkeypatch.setattr(gen, "StepProgress", Recorder)
    _make_parts(tmp_path, "parquet")
    assert "part 1/3: order lines" in seen and "part 3/3: bad rows" in seen
    assert any(s.startswith("part 2/3: wrote") for s in seen)
    assert declared == [len(seen)], "every declared step is done once"


def test_part_count_at_full_size(tmp_path: Path) -> None:
    def parts(customers: int, orders: int) -> int:
        config = GenerateConfig(customers=customers, orders=orders, out_dir=tmp_path)
        config.validate()
        return config.n_parts

    assert parts(1_000_000, 10_000_000) == 1  # the largest benchmark shop is one part
    assert parts(3_000_000, 30_000_000) == 3
    assert parts(10_000_000, 100_000_000) == 10
    assert parts(12_000_000, 1_000_000) == 3  # customers bound a part too
    assert parts(20_000_000, 200_000_000) == 20


def test_parts_need_room_for_every_part(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="customers"):
        GenerateConfig(customers=200, orders=PART_ORDERS, out_dir=tmp_path, part_orders=PART_SIZE).validate()
    with pytest.raises(ValueError, match="part_orders"):
        GenerateConfig(customers=200, orders=PART_ORDERS, out_dir=tmp_path, part_orders=50).validate()


def test_parts_shop_reconciles_in_the_pipeline(tmp_path: Path, build_shop) -> None:  # type: ignore[no-untyped-def]
    """dbt's load reconciliation of a 3-part shop equals its manifest, as for the demo shop."""
    out = tmp_path / "raw"
    manifest = _make_parts(out, "csv")["tables"]
    build = build_shop(out, command="run", extra_args=["--select", "+load_reconciliation", "+quarantined_rows"])
    assert build.success, build.error_text()
    assert_reconciles_with_manifest(build, manifest)
