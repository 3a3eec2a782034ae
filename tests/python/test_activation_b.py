"""Activation marts on baskets and coupons (SPEC section 3): life_event_signals,
replenishment_candidates, product_affinities, category_affinities, affinity_basket_stats,
loyal_favourites, segment_offers and coupon_performance.

One crafted shop, as_of_date 2025-01-01, default vars except the loyal-favourite thresholds
(min lift 4.5, min loyal buyers 2, so that a product sits exactly on the lift threshold). Every
expected figure is worked out by hand from the orders in `write_activation_shop`, with the
arithmetic in a comment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Build, run_dbt
from shops import ORDER_COLUMNS, order, write_csv

AS_OF = "2025-01-01"
MARTS = [
    "life_event_signals", "replenishment_candidates", "product_affinities", "category_affinities",
    "affinity_basket_stats", "loyal_favourites", "segment_offers", "coupon_performance",
]
# rfm_score_thresholds: read by a unit test of customer_rfm, a parent of these marts.
SELECT = [
    "--select", " ".join([*(f"+{mart}" for mart in MARTS), "rfm_score_thresholds"]),
    "--indirect-selection", "buildable",
]
VARS = {"loyal_favourite_min_lift": 4.5, "loyal_favourite_min_buyers": 2}

# product_id: (category, is_consumable) -- '' leaves is_consumable empty.
PRODUCTS: dict[str, tuple[str, str]] = {
    "COLLAR": ("collar", "false"), "LEASH": ("leash", "false"), "BED": ("pet bed", "false"),
    "PUPPY": ("puppy food", "true"),
    "COFFEE": ("coffee", "true"), "TEA": ("tea", "true"),
    "BOOK": ("books", "false"), "MYSTERY": ("misc", ""),   # no flag while others have one: not consumable
    "X": ("books", "false"), "Y": ("stationery", "false"), "Z": ("kitchenware", "false"),
    "FAV": ("chocolate", "false"), "FAV2": ("chocolate", "false"), "CANDLE": ("decor", "false"),
    "SHOES": ("running shoes", "false"),
    **{f"Q{n:02d}": ("misc", "false") for n in range(1, 52)},
}

# order_id: (customer, day, [products]); every order 12:00, total 10.00 unless in COUPON_ORDERS.
BASKETS: dict[str, tuple[str, str, list[str]]] = {
    # Life events (window 30 days, 3 of collar, leash, pet bed, puppy food).
    # PETWIN: 3 categories across 2 orders 20 days apart -> detected on 2024-10-21.
    "PW1": ("PETWIN", "2024-10-01", ["COLLAR", "LEASH"]),
    "PW2": ("PETWIN", "2024-10-21", ["BED"]),
    # PETSLOW: spread over 40 days; the window of Oct 11 is Sep 12 - Oct 11 (leash, bed: 2).
    "PS1": ("PETSLOW", "2024-09-01", ["COLLAR"]),
    "PS2": ("PETSLOW", "2024-09-21", ["LEASH"]),
    "PS3": ("PETSLOW", "2024-10-11", ["BED"]),
    # PETONE: all four in one order.
    "PO1": ("PETONE", "2024-11-15", ["COLLAR", "LEASH", "BED", "PUPPY"]),
    # Replenishment. COFFEE30: coffee every 30 days (Sep 3, Oct 3, Nov 2, Dec 2).
    "CF1": ("COFFEE30", "2024-09-03", ["COFFEE", "BOOK", "MYSTERY"]),
    "CF2": ("COFFEE30", "2024-10-03", ["COFFEE", "BOOK", "MYSTERY"]),
    "CF3": ("COFFEE30", "2024-11-02", ["COFFEE"]),
    "CF4": ("COFFEE30", "2024-12-02", ["COFFEE"]),
    # TEA: twice, 29 days apart (Nov 11 -> Dec 10).
    "T1": ("TEA", "2024-11-11", ["TEA"]),
    "T2": ("TEA", "2024-12-10", ["TEA"]),
    # IRREG: coffee after 10 then 61 days (Aug 1, Aug 11, Oct 11).
    "I1": ("IRREG", "2024-08-01", ["COFFEE"]),
    "I2": ("IRREG", "2024-08-11", ["COFFEE"]),
    "I3": ("IRREG", "2024-10-11", ["COFFEE"]),
    # Affinities: B1-B4 {X,Y}, B5-B6 {X,Y,Z}, B7-B8 {X,Z}, B9 {Z}, B10 {Y}, one buyer each.
    **{f"B{n}": (f"AFF{n:02d}", "2024-07-01", ["X", "Y"]) for n in range(1, 5)},
    **{f"B{n}": (f"AFF{n:02d}", "2024-07-01", ["X", "Y", "Z"]) for n in range(5, 7)},
    **{f"B{n}": (f"AFF{n:02d}", "2024-07-01", ["X", "Z"]) for n in range(7, 9)},
    "B9": ("AFF09", "2024-07-01", ["Z"]),
    "B10": ("AFF10", "2024-07-01", ["Y"]),
    # 50 distinct products: at the cap, analysed. 51 (X and Y among them): above it, skipped.
    "ATCAP": ("ATCAP", "2024-07-02", [f"Q{n:02d}" for n in range(1, 51)]),
    "BIG": ("BIG", "2024-07-02", ["X", "Y", *[f"Q{n:02d}" for n in range(1, 50)]]),
    # Loyal favourites. L1, L2: 3 orders in 2 categories -> loyal. O1: one order.
    "L1A": ("L1", "2024-03-01", ["FAV"]),
    "L1B": ("L1", "2024-06-01", ["CANDLE"]),
    "L1C": ("L1", "2024-09-01", ["CANDLE", "FAV2"]),
    "L2A": ("L2", "2024-03-01", ["FAV"]),
    "L2B": ("L2", "2024-06-01", ["CANDLE"]),
    "L2C": ("L2", "2024-09-01", ["CANDLE"]),
    "O1A": ("O1", "2024-03-01", ["FAV"]),
    # Segment offers: favourite_category 'running shoes' gets RUNBOTTLE.
    "R1": ("RUNNER", "2024-12-01", ["SHOES"]),
}

# Coupon orders (no lines): order_id: (customer, ordered_at, total, refunded, coupon).
# Window 90 days: a redeemer is eligible when first redemption + 90 <= 2025-01-01, i.e. on or
# before 2024-10-03, and repeats with another order before first redemption day + 90.
COUPON_ORDERS: dict[str, tuple[str, str, str, str, str]] = {
    "C1A": ("C1", "2024-06-01 12:00:00", "50.00", "", "WINBACK15"),
    "C1B": ("C1", "2024-08-29 12:00:00", "40.00", "", "WINBACK15"),   # day 89: a repeat
    "C2A": ("C2", "2024-06-01 12:00:00", "30.00", "", "WINBACK15"),
    "C2B": ("C2", "2024-08-30 12:00:00", "99.00", "", ""),            # day 90: too late
    "C3A": ("C3", "2024-10-03 12:00:00", "20.00", "5.00", "WINBACK15"),  # eligible, no repeat
    "C4A": ("C4", "2024-10-04 12:00:00", "10.00", "", "WINBACK15"),   # window still open
    "C4B": ("C4", "2024-10-10 12:00:00", "10.00", "", ""),
    "C5A": ("C5", "2024-05-01 10:00:00", "25.00", "", "SPRING5"),
    "C5B": ("C5", "2024-05-01 18:00:00", "25.00", "", ""),            # later the same day: a repeat
}

BUYERS = sorted({customer for customer, _, _ in BASKETS.values()} | {c[0] for c in COUPON_ORDERS.values()})
LOYAL = {"L1", "L2", "COFFEE30", "PETSLOW"}   # 3+ orders in 2+ categories in the last 365 days


def write_activation_shop(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    orders = [order(oid, customer, f"{day} 12:00:00", "10.00") for oid, (customer, day, _) in BASKETS.items()]
    orders += [
        order(oid, customer, at, total, refunded=refunded, coupon=coupon)
        for oid, (customer, at, total, refunded, coupon) in COUPON_ORDERS.items()
    ]
    write_csv(raw / "orders.csv", ORDER_COLUMNS, orders)
    write_csv(
        raw / "order_lines.csv",
        "order_id,product_id,quantity,line_total",
        [f"{oid},{product},1,1.00" for oid, (_, _, products) in BASKETS.items() for product in products]
        # X on a second line of B1 (not a copy: another quantity). A basket holds distinct
        # products, so B1 is still {X, Y} and every affinity count below is unchanged.
        + ["B1,X,2,2.00"],
    )
    write_csv(
        raw / "products.csv",
        "product_id,product_name,category,is_consumable",
        [f"{pid},{pid.title()},{category},{flag}" for pid, (category, flag) in PRODUCTS.items()],
    )
    write_csv(
        raw / "customers.csv",
        "customer_id,email,marketing_consent",
        [f"{customer},{customer.lower()}@example.com,true" for customer in BUYERS],
    )
    # PETWIN withdraws consent.
    write_csv(raw / "consent_events.csv", "customer_id,consent,changed_at", ["PETWIN,false,2024-12-01"])


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("activation_b")
    write_activation_shop(work / "raw")
    build = run_dbt(work / "build", work / "raw", as_of_date=AS_OF, variables=VARS, extra_args=SELECT)
    assert build.success, build.error_text()
    return build


def test_shop_as_built(shop: Build) -> None:
    assert len(BUYERS) == 27
    assert shop.scalar("select count(*) from marts.customer_facts") == 27
    loyal = shop.rows("select customer_id from marts.customer_segments where value_group = 'loyal'")
    assert {row["customer_id"] for row in loyal} == LOYAL


# --- life_event_signals ---------------------------------------------------------------------

def test_life_events_within_window_only(shop: Build) -> None:
    rows = {r["customer_id"]: r for r in shop.rows("select * from marts.life_event_signals")}
    assert set(rows) == {"PETWIN", "PETONE"}   # PETSLOW never has 3 categories within 30 days
    assert rows["PETWIN"]["life_event"] == "new_pet"
    assert rows["PETWIN"]["detected_on"] == dt.date(2024, 10, 21)   # the day of the third category
    assert rows["PETWIN"]["trigger_categories"] == "collar; leash; pet bed"
    assert rows["PETONE"]["detected_on"] == dt.date(2024, 11, 15)
    assert rows["PETONE"]["trigger_categories"] == "collar; leash; pet bed; puppy food"
    assert rows["PETONE"]["recommended_categories"] == "pet food; grooming; training; chew toys; vitamins"


def test_life_event_at_the_window_edge(tmp_path: Path) -> None:
    """29 days apart is inside a 30-day window, 30 days apart is not."""
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("E1", "EDGE29", "2024-03-01 12:00:00", "10.00"),
        order("E2", "EDGE29", "2024-03-30 12:00:00", "10.00"),   # Mar 30 - 29 days = Mar 1
        order("F1", "EDGE30", "2024-03-01 12:00:00", "10.00"),
        order("F2", "EDGE30", "2024-03-31 12:00:00", "10.00"),   # window Mar 2 - Mar 31
    ])
    write_csv(raw / "order_lines.csv", "order_id,product_id,quantity,line_total", [
        "E1,D,1,1.00", "E1,B,1,1.00", "E2,S,1,1.00",
        "F1,D,1,1.00", "F1,B,1,1.00", "F2,S,1,1.00",
    ])
    write_csv(raw / "products.csv", "product_id,category", ["D,Diapers", "B, baby bottles", "S,stroller"])
    build = run_dbt(tmp_path / "build", raw, as_of_date="2024-06-01", extra_args=[
        "--select", "+life_event_signals", "--indirect-selection", "buildable"])
    assert build.success, build.error_text()
    rows = build.rows("select * from marts.life_event_signals")
    assert [(r["customer_id"], r["life_event"], r["detected_on"], r["trigger_categories"]) for r in rows] == [
        ("EDGE29", "new_baby", dt.date(2024, 3, 30), "baby bottles; diapers; stroller")]
    # No consent on record: not marketable.
    assert rows[0]["is_marketable"] is False


# --- replenishment_candidates ----------------------------------------------------------------

def test_replenishment_due_dates_and_subscriptions(shop: Build) -> None:
    rows = {(r["customer_id"], r["product_id"]): r for r in shop.rows("select * from marts.replenishment_candidates")}
    # BOOK and MYSTERY were bought twice by COFFEE30 but are not consumable (MYSTERY has no
    # flag in a catalogue that has flags); PUPPY was bought once.
    assert set(rows) == {("COFFEE30", "COFFEE"), ("TEA", "TEA"), ("IRREG", "COFFEE")}

    coffee = rows["COFFEE30", "COFFEE"]
    # Intervals 30, 30, 30: next = Dec 2 + 30 = Jan 1 < Jan 1 + 7 -> due; CV 0 -> subscription.
    assert coffee["purchases"] == 4 and coffee["median_interval_days"] == 30
    assert coffee["last_purchase_date"] == dt.date(2024, 12, 2)
    assert coffee["next_expected_date"] == dt.date(2025, 1, 1)
    assert coffee["is_due"] is True and coffee["is_subscription_candidate"] is True
    assert coffee["interval_cv"] == 0

    tea = rows["TEA", "TEA"]
    # One interval of 29: next = Dec 10 + 29 = Jan 8, not < Jan 1 + 7 (just outside the
    # horizon); 2 purchases are too few for a subscription.
    assert tea["next_expected_date"] == dt.date(2025, 1, 8)
    assert tea["is_due"] is False and tea["is_subscription_candidate"] is False

    irregular = rows["IRREG", "COFFEE"]
    # Intervals 10 and 61: median 35.5, rounded half up to 36 -> Oct 11 + 36 = Nov 16 (overdue,
    # so due). Mean 35.5, population sd 25.5 -> CV 0.718 > 0.35: not a subscription.
    assert irregular["purchases"] == 3 and irregular["median_interval_days"] == 35.5
    assert irregular["next_expected_date"] == dt.date(2024, 11, 16)
    assert irregular["is_due"] is True and irregular["is_subscription_candidate"] is False
    assert irregular["interval_cv"] == pytest.approx(25.5 / 35.5)


def test_replenishment_without_consumable_flags_takes_every_product(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("A1", "A", "2024-05-01 12:00:00", "10.00"),
        order("A2", "A", "2024-05-11 12:00:00", "10.00"),
        order("A3", "A", "2024-05-11 18:00:00", "10.00"),   # the same day: one purchase day
    ])
    write_csv(raw / "order_lines.csv", "order_id,product_id,quantity,line_total",
              ["A1,P,1,1.00", "A2,P,1,1.00", "A3,P,2,2.00"])
    write_csv(raw / "products.csv", "product_id,category", ["P,books"])   # no is_consumable column
    build = run_dbt(tmp_path / "build", raw, as_of_date="2024-06-01", extra_args=[
        "--select", "+replenishment_candidates", "--indirect-selection", "buildable"])
    assert build.success, build.error_text()
    rows = build.rows("select * from marts.replenishment_candidates")
    assert [(r["product_id"], r["purchases"], r["next_expected_date"]) for r in rows] == [
        ("P", 2, dt.date(2024, 5, 21))]


# --- product_affinities, category_affinities, affinity_basket_stats ----------------------------

# Baskets = counted orders with lines: the 35 orders of BASKETS (coupon orders have no lines);
# BIG (51 distinct products > 50) is skipped -> 34 analysed. X in B1-B8 = 8, Y in B1-B6 and B10
# = 7, together B1-B6 = 6 (with BIG they would be 9, 8 and 7). X-Z (4) and Y-Z (2) are below 5.
#   X -> Y: support 6/34, confidence 6/8 = 0.75, lift 0.75 / (7/34) = 3.642857...
#   Y -> X: support 6/34, confidence 6/7, lift (6/7) / (8/34) = 3.642857...
N_BASKETS = 34


def test_product_affinities_by_hand(shop: Build) -> None:
    assert len(BASKETS) == N_BASKETS + 1
    rows = {(r["product_id"], r["other_product_id"]): r for r in shop.rows("select * from marts.product_affinities")}
    assert set(rows) == {("X", "Y"), ("Y", "X")}
    xy, yx = rows["X", "Y"], rows["Y", "X"]
    assert xy["orders_together"] == 6 and yx["orders_together"] == 6
    assert xy["support"] == pytest.approx(6 / 34) and yx["support"] == pytest.approx(6 / 34)
    assert xy["confidence"] == pytest.approx(0.75)
    assert yx["confidence"] == pytest.approx(6 / 7)
    assert xy["lift"] == pytest.approx(0.75 / (7 / 34)) and yx["lift"] == pytest.approx((6 / 7) / (8 / 34))
    assert xy["lift"] == pytest.approx(3.642857, abs=1e-6)
    assert xy["rank"] == 1 and yx["rank"] == 1
    assert (xy["product_orders"], xy["other_product_orders"], xy["baskets"]) == (8, 7, N_BASKETS)


def test_category_affinities_by_hand(shop: Build) -> None:
    # books: X baskets (8) + CF1, CF2 (BOOK) = 10; stationery: Y baskets = 7; together B1-B6 = 6.
    # Other category pairs reach at most 4 baskets (books-kitchenware, B5-B8).
    #   books -> stationery: support 6/34, confidence 6/10, lift 0.6 / (7/34) = 2.914286
    #   stationery -> books: confidence 6/7, lift (6/7) / (10/34) = 2.914286
    rows = {(r["category"], r["other_category"]): r for r in shop.rows("select * from marts.category_affinities")}
    assert set(rows) == {("books", "stationery"), ("stationery", "books")}
    forward = rows["books", "stationery"]
    assert forward["orders_together"] == 6 and forward["support"] == pytest.approx(6 / 34)
    assert forward["confidence"] == pytest.approx(0.6) and forward["lift"] == pytest.approx(0.6 / (7 / 34))
    backward = rows["stationery", "books"]
    assert backward["confidence"] == pytest.approx(6 / 7) and backward["lift"] == pytest.approx((6 / 7) / (10 / 34))
    assert forward["lift"] == pytest.approx(2.914286, abs=1e-6)


def test_basket_above_the_cap_is_skipped_and_counted(shop: Build) -> None:
    stats = shop.rows("select * from marts.affinity_basket_stats")
    assert stats == [{
        "as_of_date": dt.date(2025, 1, 1),
        "orders_with_lines": N_BASKETS + 1,
        "analysed_baskets": N_BASKETS,     # ATCAP, 50 products, is analysed
        "skipped_baskets": 1,              # BIG, 51 products
        "skipped_basket_products": 51,
        "largest_basket_products": 51,
        "max_basket_lines": 50,
    }]


# --- loyal_favourites ------------------------------------------------------------------------

def test_loyal_favourites_by_hand(shop: Build) -> None:
    # 27 buyers, 4 loyal (L1, L2, COFFEE30, PETSLOW).
    #   FAV: bought by L1, L2, O1 -> loyal_share 2/4 = 0.5, buyer share 3/27, lift 4.5: exactly
    #        the threshold (var 4.5) with 2 loyal buyers (var 2) -> favourite.
    #   CANDLE: L1, L2 -> 0.5 / (2/27) = 6.75 -> favourite.
    #   FAV2: L1 only -> lift 0.25 / (1/27) = 6.75 but 1 loyal buyer -> not.
    #   COLLAR: PETWIN, PETSLOW, PETONE -> 0.25 / (3/27) = 2.25 -> not.
    #   X: 8 occasional buyers (B1-B8) + BIG -> 0 loyal buyers, lift 0.
    rows = {r["product_id"]: r for r in shop.rows("select * from marts.loyal_favourites")}
    fav = rows["FAV"]
    assert (fav["loyal_buyers"], fav["buyers"]) == (2, 3)
    assert fav["loyal_share"] == pytest.approx(0.5)
    assert fav["lift_vs_all"] == pytest.approx(4.5)
    assert fav["is_loyal_favourite"] is True
    assert rows["CANDLE"]["lift_vs_all"] == pytest.approx(6.75) and rows["CANDLE"]["is_loyal_favourite"] is True
    assert rows["FAV2"]["lift_vs_all"] == pytest.approx(6.75) and rows["FAV2"]["is_loyal_favourite"] is False
    assert rows["COLLAR"]["lift_vs_all"] == pytest.approx(2.25) and rows["COLLAR"]["is_loyal_favourite"] is False
    assert (rows["X"]["loyal_buyers"], rows["X"]["buyers"], rows["X"]["lift_vs_all"]) == (0, 9, 0)
    assert {p for p, r in rows.items() if r["is_loyal_favourite"]} == {"FAV", "CANDLE"}


# --- segment_offers and coupon_performance ------------------------------------------------------

def test_segment_offers_follow_the_segments(shop: Build) -> None:
    offers = shop.rows("select * from marts.segment_offers")
    runner = [r for r in offers if r["customer_id"] == "RUNNER" and r["segmentation"] == "favourite_category"]
    assert [(r["segment"], r["coupon_code"], r["is_marketable"]) for r in runner] == [
        ("running shoes", "RUNBOTTLE", True)]
    # Every seed row reaches exactly the buyers of its segment.
    seed = shop.rows("select * from seeds.segment_offer_rules")
    for rule in seed:
        expected = {r["customer_id"] for r in shop.rows(
            f"select customer_id from marts.customer_segments where {rule['segmentation']} = ?", [rule["segment"]])}
        got = {r["customer_id"] for r in offers
               if (r["segmentation"], r["segment"], r["coupon_code"]) == (rule["segmentation"], rule["segment"], rule["coupon_code"])}
        assert got == expected, rule
    assert len(offers) == sum(
        shop.scalar(f"select count(*) from marts.customer_segments where {r['segmentation']} = ?", [r["segment"]])
        for r in seed)


def test_withdrawn_consent_is_not_marketable(shop: Build) -> None:
    assert shop.scalar("select is_marketable from marts.life_event_signals where customer_id = 'PETWIN'") is False
    assert shop.scalar("select is_marketable from marts.life_event_signals where customer_id = 'PETONE'") is True
    flags = {r["is_marketable"] for r in shop.rows("select * from marts.segment_offers where customer_id = 'PETWIN'")}
    assert flags <= {False}
    assert shop.scalar(
        "select bool_and(is_marketable) from marts.replenishment_candidates") is True


def test_coupon_performance_by_hand(shop: Build) -> None:
    rows = shop.rows("select * from marts.coupon_performance")
    segments = {r["customer_id"]: r["rfm_segment"] for r in shop.rows("select * from marts.customer_segments")}
    # WINBACK15: redemptions C1A, C1B, C2A, C3A, C4A = 5 by 4 customers; revenue
    # 50 + 40 + 30 + (20 - 5) + 10 = 145. Eligible (first redemption on or before Oct 3): C1, C2,
    # C3. Repeats: C1 (day 89); C2's next order is on day 90, outside; C3 none -> 1/3.
    winback = [r for r in rows if r["coupon_code"] == "WINBACK15"]
    assert sum(r["redemptions"] for r in winback) == 5
    assert sum(r["customers"] for r in winback) == 4
    assert sum(r["revenue"] for r in winback) == Decimal("145.00")
    assert sum(r["eligible_customers"] for r in winback) == 3
    assert sum(r["repeat_customers"] for r in winback) == 1
    # Per rfm_segment, by the redeemers' segments in customer_segments.
    expected: dict[str, dict[str, int]] = {}
    for customer, redemptions, eligible, repeated in [("C1", 2, 1, 1), ("C2", 1, 1, 0), ("C3", 1, 1, 0), ("C4", 1, 0, 0)]:
        group = expected.setdefault(segments[customer], {"redemptions": 0, "customers": 0, "eligible": 0, "repeats": 0})
        group["redemptions"] += redemptions
        group["customers"] += 1
        group["eligible"] += eligible
        group["repeats"] += repeated
    assert {r["rfm_segment"] for r in winback} == set(expected)
    for row in winback:
        group = expected[row["rfm_segment"]]
        assert (row["redemptions"], row["customers"], row["eligible_customers"], row["repeat_customers"]) == (
            group["redemptions"], group["customers"], group["eligible"], group["repeats"])
        assert row["repeat_rate"] == (group["repeats"] / group["eligible"] if group["eligible"] else None)
    # SPRING5: C5 ordered again later the same day -> repeat_rate 1.
    spring = [r for r in rows if r["coupon_code"] == "SPRING5"]
    assert [(r["redemptions"], r["customers"], r["revenue"], r["repeat_rate"]) for r in spring] == [
        (1, 1, Decimal("25.00"), 1.0)]
