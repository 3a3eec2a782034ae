"""Customer marts on a crafted shop whose buyers sit just inside and just outside every
threshold (SPEC section 3). Every expected value is worked out by hand from the orders below,
with as_of_date 2025-01-01 and the default vars.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Build, BuildShop
from shops import ORDER_COLUMNS, order, write_csv

AS_OF = "2025-01-01"
MONTH_STARTS_2024 = [f"2024-{month:02d}-01" for month in range(1, 13)]

# customer: [(order day, total), ...]
ORDERS: dict[str, list[tuple[str, str]]] = {
    # 10 orders Mar..Dec 2024 of 10.00: VIP by orders; recency Dec 1 -> Jan 1 = 31 days.
    "VIP10": [(day, "10.00") for day in MONTH_STARTS_2024[2:]],
    # 9 orders Apr..Dec 2024 of 10.00: one order short of VIP, revenue 90.
    "NINE": [(day, "10.00") for day in MONTH_STARTS_2024[3:]],
    # VIP by revenue (1020); last order Oct 4 -> 89 days: still vip.
    "VIP89": [("2024-01-10", "1000.00"), ("2024-10-04", "20.00")],
    # The same with the last order Oct 3 -> 90 days: vip_lapsing.
    "VIP90": [("2024-01-10", "1000.00"), ("2024-10-03", "20.00")],
    # One order, tenure 89: new.
    "NEW89": [("2024-10-04", "30.00")],
    # One order, tenure 90 and recency 90: new_at_risk.
    "NAR90": [("2024-10-03", "30.00")],
    # Recency 179 (Jul 6 -> Jan 1): active; 180 (Jul 5): passive.
    "ACT179": [("2023-05-01", "50.00"), ("2024-07-06", "50.00")],
    "PAS180": [("2023-05-01", "50.00"), ("2024-07-05", "50.00")],
    # Identical buyers: equal recency, frequency and monetary must give equal scores.
    "TIEA": [("2024-08-01", "40.00")],
    "TIEB": [("2024-08-01", "40.00")],
    # A business account (company_name set), new.
    "B2B": [("2024-12-20", "200.00")],
    # 3 orders in the last 365 days in 2 categories: loyal. ONECAT: 1 category: occasional.
    "LOYAL": [("2024-06-01", "25.00"), ("2024-09-01", "25.00"), ("2024-12-01", "25.00")],
    "ONECAT": [("2024-06-01", "25.00"), ("2024-09-01", "25.00"), ("2024-12-01", "25.00")],
    # One order 306 days ago: passive and overdue for a second order.
    "OLDONE": [("2024-03-01", "15.00")],
    # Every 10 days, then silent for 102 days: overdue (102 > 1.5 x 10).
    "QUICK": [("2024-09-01", "10.00"), ("2024-09-11", "10.00"), ("2024-09-21", "10.00")],
    # Erased: must vanish from every mart.
    "ERASED": [("2024-11-01", "99.00")],
}
LINES = {  # order_id -> (product, line total); products P1 collar, P2 leash
    "LOYAL-1": ("P1", "25.00"), "LOYAL-2": ("P2", "25.00"), "LOYAL-3": ("P1", "25.00"),
    "ONECAT-1": ("P1", "25.00"), "ONECAT-2": ("P1", "25.00"), "ONECAT-3": ("P1", "25.00"),
}


def write_threshold_shop(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    order_lines = []
    for customer, orders in ORDERS.items():
        for number, (day, total) in enumerate(orders, start=1):
            order_lines.append(order(f"{customer}-{number}", customer, f"{day} 12:00:00", total))
    write_csv(raw / "orders.csv", ORDER_COLUMNS, order_lines)
    write_csv(
        raw / "order_lines.csv",
        "order_id,product_id,quantity,line_total",
        [f"{order_id},{product},1,{total}" for order_id, (product, total) in LINES.items()],
    )
    write_csv(raw / "products.csv", "product_id,product_name,category", ["P1,Collar,collar", "P2,Leash,leash"])
    customers = {
        # customer: (company_name, is_business, referred_by, marketing_consent)
        "VIP10": ("", "", "", "true"),      # withdrawn later by a consent event
        "NINE": ("", "", "", "false"),      # given later by a consent event
        "B2B": ("Acme Oy", "", "", "true"),
        "ONECAT": ("", "true", "", "true"),  # is_business without company: b2b
        "NEW89": ("", "", "LOYAL", "true"),  # referred by LOYAL: LOYAL is an advocate
        "TIEB": ("", "", "", ""),            # no consent on record: not marketable
        "PROSPECT": ("", "", "", "true"),    # never ordered
    }
    rows = []
    for customer in [*ORDERS, "PROSPECT"]:
        company, business, referred, consent = customers.get(customer, ("", "", "", "true"))
        rows.append(f"{customer},{customer.lower()}@example.com,2023-01-01,,{company},{business},{referred},{consent}")
    write_csv(
        raw / "customers.csv",
        "customer_id,email,created_at,birth_year,company_name,is_business,referred_by_customer_id,marketing_consent",
        rows,
    )
    write_csv(
        raw / "consent_events.csv",
        "customer_id,consent,changed_at",
        ["VIP10,true,2024-01-01", "VIP10,false,2024-06-01", "NINE,true,2024-05-01"],
    )
    write_csv(raw / "erasure_requests.csv", "customer_id,requested_at", ["ERASED,2024-12-15"])


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from conftest import run_dbt

    work = tmp_path_factory.mktemp("thresholds")
    write_threshold_shop(work / "raw")
    build = run_dbt(work / "build", work / "raw", as_of_date=AS_OF)
    assert build.success, build.error_text()
    return build


def by_customer(build: Build, sql: str) -> dict[str, dict]:
    return {row["customer_id"]: row for row in build.rows(sql)}


BUYERS = [c for c in ORDERS if c != "ERASED"]


def test_lifecycle_stage_of_every_buyer(shop: Build) -> None:
    expected = {
        "VIP10": "vip", "NINE": "active", "VIP89": "vip", "VIP90": "vip_lapsing",
        "NEW89": "new", "NAR90": "new_at_risk", "ACT179": "active", "PAS180": "passive",
        "TIEA": "new_at_risk", "TIEB": "new_at_risk",   # tenure 153, recency 153, 1 order
        "B2B": "new", "LOYAL": "active", "ONECAT": "active", "OLDONE": "passive",
        "QUICK": "new_at_risk",                          # 3 orders, tenure 122, recency 102
    }
    got = by_customer(shop, "select * from marts.customer_segments")
    assert {c: r["lifecycle_stage"] for c, r in got.items()} == expected


def test_value_group_maturity_and_type(shop: Build) -> None:
    got = by_customer(shop, "select * from marts.customer_segments")
    assert {c for c, r in got.items() if r["value_group"] == "loyal"} == {"LOYAL"}
    expected_maturity = {
        "LOYAL": "advocate",   # referred NEW89, who bought
        "VIP10": "repeat", "NINE": "repeat", "VIP89": "repeat", "VIP90": "repeat",
        "ACT179": "repeat", "PAS180": "repeat", "ONECAT": "repeat", "QUICK": "repeat",
        "NEW89": "first_time", "NAR90": "first_time", "TIEA": "first_time", "TIEB": "first_time",
        "B2B": "first_time", "OLDONE": "first_time",
    }
    assert {c: r["maturity"] for c, r in got.items()} == expected_maturity
    assert {c for c, r in got.items() if r["customer_type"] == "b2b"} == {"B2B", "ONECAT"}


def test_repurchase_status(shop: Build) -> None:
    # Shop median first-to-second gap over 2+ order buyers: 10 (QUICK), 30 (NINE), 31 (VIP10),
    # 92 (LOYAL), 92 (ONECAT), 267 (VIP90), 268 (VIP89), 431 (PAS180), 432 (ACT179) -> 92.
    # One order: tenure <= 92 awaits (NEW89 89, NAR90 90, B2B 12), else overdue (TIE* 153, OLDONE 306).
    # 2+ orders: overdue when recency > 1.5 x own median gap: QUICK 102 > 15; VIP10 31 <= 46.5 ...
    expected = {
        "NEW89": "awaiting_second_order", "NAR90": "awaiting_second_order", "B2B": "awaiting_second_order",
        "TIEA": "overdue", "TIEB": "overdue", "OLDONE": "overdue", "QUICK": "overdue",
        "VIP10": "on_cycle", "NINE": "on_cycle", "VIP89": "on_cycle", "VIP90": "on_cycle",
        "ACT179": "on_cycle", "PAS180": "on_cycle", "LOYAL": "on_cycle", "ONECAT": "on_cycle",
    }
    got = by_customer(shop, "select * from marts.customer_segments")
    assert {c: r["repurchase_status"] for c, r in got.items()} == expected


def test_rfm_scores_are_tie_consistent(shop: Build) -> None:
    rfm = by_customer(shop, "select * from marts.customer_rfm")
    assert rfm["TIEA"]["rfm_code"] == rfm["TIEB"]["rfm_code"]
    # 15 buyers by order count ascending: six with 1 order share rank 1 -> f 1; four with 2
    # share rank 7 -> 1 + floor(5 * 6 / 15) = 3; three with 3 share rank 11 -> 1 + floor(50 / 15) = 4;
    # NINE rank 14 -> 1 + floor(65 / 15) = 5; VIP10 rank 15 -> 5.
    expected_f = {c: {1: 1, 2: 3, 3: 4}.get(len(ORDERS[c]), 5) for c in BUYERS}
    assert {c: r["f_score"] for c, r in rfm.items()} == expected_f


def test_facts_of_a_buyer(shop: Build) -> None:
    facts = by_customer(shop, "select * from marts.customer_facts")
    vip10 = facts["VIP10"]
    assert vip10["order_count"] == 10 and vip10["total_revenue"] == Decimal("100.00")
    assert vip10["recency_days"] == 31 and vip10["tenure_days"] == 306
    assert vip10["avg_days_between_orders"] == pytest.approx(275 / 9)   # Mar 1 -> Dec 1 = 275 days
    assert facts["LOYAL"]["distinct_categories"] == 2
    assert facts["LOYAL"]["favourite_category"] == "collar"            # 50.00 vs 25.00
    assert facts["NINE"]["favourite_category"] == "unknown"            # no order lines


def test_privacy_consent_and_erasure(shop: Build) -> None:
    profiles = by_customer(shop, "select * from marts.customer_profiles")
    assert profiles["VIP10"]["is_marketable"] is False    # consent withdrawn after being given
    assert profiles["NINE"]["is_marketable"] is True      # consent given after a no
    assert profiles["TIEB"]["is_marketable"] is False     # no consent on record
    assert profiles["PROSPECT"]["has_ordered"] is False
    assert profiles["PROSPECT"]["lifecycle_stage"] == "prospect"
    import hashlib
    assert profiles["NINE"]["email_sha256"] == hashlib.sha256(b"nine@example.com").hexdigest()
    # The erased customer is in no mart, and no raw email is either.
    for table in ["customer_facts", "customer_rfm", "customer_segments", "customer_profiles"]:
        assert shop.scalar(f"select count(*) from marts.{table} where customer_id = 'ERASED'") == 0
        columns = [r["column_name"] for r in shop.rows(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
            [table])]
        assert not {"email", "customer_email", "email_key"} & set(columns)


def test_segment_summary_adds_up(shop: Build) -> None:
    total = shop.scalar("select sum(total_revenue) from marts.customer_facts")
    for row in shop.rows(
        "select segmentation, sum(revenue) as revenue, sum(customers) as customers "
        "from marts.segment_summary group by segmentation"
    ):
        assert row["revenue"] == total and row["customers"] == len(BUYERS), row["segmentation"]


def test_demo_segments_are_exhaustive_and_revenue_adds_up(demo_build: Build) -> None:
    buyers = demo_build.scalar("select count(*) from marts.customer_facts")
    revenue = demo_build.scalar("select sum(total_revenue) from marts.customer_facts")
    assert buyers > 1000
    assert demo_build.scalar("select count(*) from marts.customer_segments") == buyers
    summary = demo_build.rows(
        "select segmentation, sum(customers) as customers, sum(revenue) as revenue "
        "from marts.segment_summary group by segmentation"
    )
    assert len(summary) == 10
    for row in summary:
        assert (row["customers"], row["revenue"]) == (buyers, revenue), row["segmentation"]
