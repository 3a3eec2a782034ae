"""Activation marts (SPEC section 3, "Activation marts") and audience exports (SPEC section 4).

A crafted shop is built with as_of_date 2025-03-01 (February 2025 has 28 days) and the default
vars and seeds; every expected value below is worked out by hand from the orders written in
`write_activation_shop`, with the arithmetic in a comment. The demo shop checks the hold-out
hash on every row against Python's hashlib.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DEMO_DIR, PROJECT_DIR, Build, run_dbt
from shops import ORDER_COLUMNS, order, write_csv

if str(PROJECT_DIR) not in sys.path:   # the kanta package sits in the project root
    sys.path.insert(0, str(PROJECT_DIR))

from kanta.audiences import export_audiences  # noqa: E402

AS_OF = "2025-03-01"
MY_MARTS = [
    "reactivation_audience", "quarterly_rewards", "send_time_preferences",
    "order_time_profile", "gift_anniversaries",
]
SELECT = [
    # The activation marts, what they are built from, and customer_profiles for the exports;
    # rfm_score_thresholds because a unit test of customer_rfm reads it.
    "--select", " ".join(f"+{mart}" for mart in MY_MARTS) + " +customer_profiles rfm_score_thresholds",
    "--indirect-selection", "buildable",
]
HOLDOUT_SHARE = 0.1

# Three small orders spread over 2023-2024, then the last order on the given day: 3 orders, not VIP.
def three_orders(customer: str, last_day: str) -> list[str]:
    return [
        order(f"{customer}-1", customer, "2023-06-01 12:00:00", "20.00"),
        order(f"{customer}-2", customer, "2023-07-01 12:00:00", "20.00"),
        order(f"{customer}-3", customer, f"{last_day} 12:00:00", "20.00"),
    ]


def monthly_orders(customer: str, months: list[str], total: str) -> list[str]:
    return [order(f"{customer}-{n}", customer, f"{day} 12:00:00", total) for n, day in enumerate(months, 1)]


def write_activation_shop(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    # Passive buyers (3 orders, not VIP): wave k reached when last_order_date + k months <= 2025-03-01.
    lines += three_orders("PAS6", "2024-09-01")        # + 6 months = 2025-03-01: wave 6
    lines += three_orders("PAS6SHORT", "2024-09-02")   # + 6 months = 2025-03-02: no wave yet
    lines += three_orders("PAS6CLAMP", "2024-08-31")   # + 6 months = 2025-02-28 (clamped): wave 6
    lines += three_orders("PAS9", "2024-06-01")        # + 9 months = 2025-03-01: wave 9
    lines += three_orders("PAS9SHORT", "2024-06-02")   # + 9 months = 2025-03-02: still wave 6
    lines += three_orders("PAS12", "2024-03-01")       # + 12 months = 2025-03-01: wave 12
    lines += three_orders("PAS12SHORT", "2024-03-02")  # + 12 months = 2025-03-02: still wave 9
    # Two orders only: never passive, however long ago.
    lines += [order("TWO-1", "TWO", "2023-01-01 12:00:00", "20.00"),
              order("TWO-2", "TWO", "2024-01-01 12:00:00", "20.00")]
    # VIP by 10 orders, monthly 2024-02-15 .. 2024-11-15: + 3 months = 2025-02-15: vip_lapsing 3.
    lines += monthly_orders("VIPL", [f"2024-{m:02d}-15" for m in range(2, 12)], "10.00")
    # VIP by revenue (600 + 400 = 1000), last 2024-08-01: + 6 months = 2025-02-01: vip_lapsing 6.
    lines += [order("VIP6-1", "VIP6", "2023-05-01 12:00:00", "600.00"),
              order("VIP6-2", "VIP6", "2024-08-01 12:00:00", "400.00")]
    # VIP, last 2024-12-15: + 3 months = 2025-03-15 > as_of: in no wave.
    lines += monthly_orders("VIPRECENT", [f"2024-{m:02d}-15" for m in range(3, 13)], "10.00")
    # One order 2024-10-15: tenure = recency = 137 days: new_at_risk, due 2024-10-15 + 90 = 2025-01-13.
    lines += [order("NAR-1", "NAR", "2024-10-15 12:00:00", "40.00")]
    # Quarter Q4 2024 (2024-10-01 to 2025-01-01 exclusive) is the latest complete one on 2025-03-01.
    lines += [
        order("REW500-1", "REW500", "2024-09-30 23:59:59", "100.00"),  # Q3: not counted
        order("REW500-2", "REW500", "2024-10-01 00:00:00", "300.00"),
        order("REW500-3", "REW500", "2024-12-31 23:59:59", "200.00"),  # Q4: 300 + 200 = 500: silver
        order("REW500-4", "REW500", "2025-01-01 00:00:00", "100.00"),  # Q1 2025: not counted
        order("REW750-1", "REW750", "2024-01-10 12:00:00", "50.00"),
        # 800 - 50 refunded = 750: gold (and silver, but only the highest tier is given).
        order("REW750-2", "REW750", "2024-11-10 12:00:00", "800.00", refunded="50.00"),
        order("REW499-1", "REW499", "2024-01-10 12:00:00", "10.00"),
        order("REW499-2", "REW499", "2024-11-20 12:00:00", "499.99"),   # below silver
    ]
    # Gifts: the last 365 days are on or after 2024-03-01; reminder = order day + 335 days.
    lines += [
        # GIFT lives in Helsinki (customers.city).
        order("GIFT-1", "GIFT", "2024-02-28 12:00:00", "30.00", shipping_city="Turku"),   # too old
        order("GIFT-2", "GIFT", "2024-03-31 12:00:00", "30.00", shipping_city="Tampere"),  # reminder 2025-03-01: due
        order("GIFT-3", "GIFT", "2024-05-01 12:00:00", "30.00"),                           # no shipping city
        order("GIFT-4", "GIFT", "2024-06-15 12:00:00", "30.00", shipping_city="  helsinki "),  # same city
        order("GIFT-5", "GIFT", "2025-02-01 12:00:00", "30.00"),
        # CITYLESS has no city on the customer record: the order's billing city counts.
        order("CITYLESS-1", "CITYLESS", "2024-09-10 12:00:00", "25.00",
              shipping_city="Vantaa", billing_city="Espoo"),   # gift, reminder 2025-08-11: not due
        order("CITYLESS-2", "CITYLESS", "2024-10-10 12:00:00", "25.00",
              shipping_city="ESPOO", billing_city=" espoo"),   # same city
        order("CITYLESS-3", "CITYLESS", "2025-02-10 12:00:00", "25.00",
              shipping_city="Espoo"),                          # buyer's city unknown: not a gift
    ]
    # Send times (2025-01-06 is a Monday).
    lines += [
        # Mon 10, Tue 15, Mon 15, Tue 10: hours 10 and 15 tie -> 10; Mon and Tue tie -> 1.
        order("ST-1", "ST", "2025-01-06 10:00:00", "10.00"),
        order("ST-2", "ST", "2025-01-07 15:00:00", "10.00"),
        order("ST-3", "ST", "2025-01-13 15:30:00", "10.00"),
        order("ST-4", "ST", "2025-01-14 10:59:59", "10.00"),
        # Two Sundays (ISO 7) at 23:00 and 22:00: hour tie -> 22.
        order("ST2-1", "ST2", "2025-01-05 23:00:00", "11.00"),
        order("ST2-2", "ST2", "2025-01-12 22:00:00", "12.00"),
        # Wed 09, Fri 20, Wed 20: hour 20 (2 orders), weekday 3 (2 orders).
        order("ST3-1", "ST3", "2025-01-08 09:00:00", "10.00"),
        order("ST3-2", "ST3", "2025-01-10 20:00:00", "10.00"),
        order("ST3-3", "ST3", "2025-01-15 20:00:00", "10.00"),
        # A cancelled order is not counted anywhere.
        order("ST3-4", "ST3", "2025-01-16 20:00:00", "10.00", status="cancelled"),
    ]
    write_csv(raw / "orders.csv", ORDER_COLUMNS, lines)

    customers = sorted({line.split(",")[1] for line in lines})
    cities = {"GIFT": "Helsinki"}
    write_csv(
        raw / "customers.csv",
        "customer_id,email,city,marketing_consent",
        [f"{c},{c.lower()}@example.com,{cities.get(c, '')},true" for c in customers],
    )
    # PAS12 withdraws consent; VIPL's withdrawal is later given back.
    write_csv(
        raw / "consent_events.csv",
        "customer_id,consent,changed_at",
        ["PAS12,false,2025-01-15", "VIPL,false,2024-05-01", "VIPL,true,2024-06-01"],
    )


def holdout_fraction(customer_id: str, automation: str) -> float:
    digest = hashlib.md5(f"{customer_id}:{automation}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("activation_a")
    write_activation_shop(work / "raw")
    build = run_dbt(work / "build", work / "raw", as_of_date=AS_OF, extra_args=SELECT)
    assert build.success, build.error_text()
    return build


def by_customer(build: Build, table: str) -> dict[str, dict]:
    return {row["customer_id"]: row for row in build.rows(f"select * from marts.{table}")}


# --- reactivation_audience ------------------------------------------------------------------


def test_reactivation_waves_at_exact_boundaries(shop: Build) -> None:
    got = {
        c: (r["automation"], r["wave"], r["due_date"])
        for c, r in by_customer(shop, "reactivation_audience").items()
    }
    assert got == {
        "PAS6": ("passive", 6, date(2025, 3, 1)),
        "PAS6CLAMP": ("passive", 6, date(2025, 2, 28)),       # Aug 31 + 6 months, clamped
        "PAS9": ("passive", 9, date(2025, 3, 1)),
        "PAS9SHORT": ("passive", 6, date(2024, 12, 2)),
        "PAS12": ("passive", 12, date(2025, 3, 1)),
        "PAS12SHORT": ("passive", 9, date(2024, 12, 2)),
        "VIPL": ("vip_lapsing", 3, date(2025, 2, 15)),
        "VIP6": ("vip_lapsing", 6, date(2025, 2, 1)),
        "NAR": ("new_at_risk", 3, date(2025, 1, 13)),          # first order + 90 days
    }
    # Left out: PAS6SHORT (one day short of 6 months), TWO (2 orders), VIPRECENT (2.5 months).


def test_vip_is_in_vip_lapsing_only(shop: Build) -> None:
    rows = shop.rows("select automation from marts.reactivation_audience where customer_id = 'VIPL'")
    assert rows == [{"automation": "vip_lapsing"}]   # 10 orders, 3+ orders too, but never passive


def test_new_at_risk_due_date_and_stage(shop: Build) -> None:
    row = by_customer(shop, "reactivation_audience")["NAR"]
    assert row["lifecycle_stage"] == "new_at_risk"
    assert row["first_order_date"] == date(2024, 10, 15)
    assert row["due_date"] == date(2025, 1, 13)


def test_reactivation_marketable_and_control(shop: Build) -> None:
    rows = by_customer(shop, "reactivation_audience")
    assert rows["PAS12"]["is_marketable"] is False     # withdrew consent 2025-01-15
    assert rows["VIPL"]["is_marketable"] is True       # withdrew, then gave consent again
    for customer, row in rows.items():
        assert row["is_control"] == (holdout_fraction(customer, row["automation"]) < HOLDOUT_SHARE), customer
    # PAS9 hashes to 0.030 with 'passive': it is in the hold-out.
    assert rows["PAS9"]["is_control"] is True


# --- quarterly_rewards ----------------------------------------------------------------------


def test_quarterly_reward_tiers(shop: Build) -> None:
    got = {
        c: (r["quarter_start"], r["quarter_revenue"], r["reward_tier"], r["gift_card_amount"])
        for c, r in by_customer(shop, "quarterly_rewards").items()
    }
    assert got == {
        "REW500": (date(2024, 10, 1), Decimal("500.00"), "silver", Decimal("15.00")),
        "REW750": (date(2024, 10, 1), Decimal("750.00"), "gold", Decimal("30.00")),
    }   # REW499 (499.99) reaches no tier


# --- send_time_preferences and order_time_profile ---------------------------------------------


def test_send_time_modes_tie_to_the_earliest(shop: Build) -> None:
    got = {
        c: (r["preferred_hour"], r["preferred_weekday"], r["orders_considered"])
        for c, r in by_customer(shop, "send_time_preferences").items()
    }
    assert got["ST"] == (10, 1, 4)     # 10 vs 15 tie -> 10; Monday vs Tuesday tie -> Monday
    assert got["ST2"] == (22, 7, 2)    # two Sundays (ISO 7); 22 vs 23 tie -> 22
    assert got["ST3"] == (20, 3, 3)    # the cancelled Thursday order is not counted
    assert "NAR" not in got            # one order, below min_orders_for_send_time (2)
    # Every buyer with 2+ counted orders is there.
    assert set(got) == {
        row["customer_id"] for row in shop.rows(
            "select customer_id from marts.customer_facts where order_count >= 2")
    }


def test_order_time_profile_has_every_cell(shop: Build) -> None:
    cells = {(r["order_weekday"], r["order_hour"]): r for r in shop.rows("select * from marts.order_time_profile")}
    assert set(cells) == {(w, h) for w in range(1, 8) for h in range(24)}
    assert sum(r["orders"] for r in cells.values()) == shop.scalar("select sum(order_count) from marts.customer_facts")
    assert (cells[(7, 23)]["orders"], cells[(7, 23)]["revenue"]) == (1, Decimal("11.00"))   # ST2-1 only
    assert (cells[(1, 10)]["orders"], cells[(2, 10)]["orders"]) == (1, 1)                    # ST-1, ST-4
    assert cells[(4, 20)]["orders"] == 0                                                      # cancelled


# --- gift_anniversaries ---------------------------------------------------------------------


def test_gift_orders_to_another_city(shop: Build) -> None:
    got = {
        r["order_id"]: (r["recipient_city"], r["reminder_date"], r["is_due"])
        for r in shop.rows("select * from marts.gift_anniversaries")
    }
    assert got == {
        "GIFT-2": ("Tampere", date(2025, 3, 1), True),      # 2024-03-31 + 335 = as_of_date: due
        "CITYLESS-1": ("Vantaa", date(2025, 8, 11), False),  # billing city Espoo is the buyer's
    }
    # Left out: GIFT-1 (older than 365 days), GIFT-3 (no shipping city), GIFT-4 and CITYLESS-2
    # (same city in another case and with spaces), CITYLESS-3 (buyer's city unknown).


# --- exports --------------------------------------------------------------------------------


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_export_only_marketable_non_control(shop: Build, tmp_path: Path) -> None:
    written = export_audiences(shop.db_path, tmp_path, "csv", progress=False)
    assert {"reactivation_vip_lapsing", "reactivation_passive", "reactivation_new_at_risk",
            "quarterly_rewards", "gift_anniversaries"} <= set(written)
    passive = read_csv_rows(tmp_path / "reactivation_passive.csv")
    # PAS12 withdrew consent and PAS9 is in the hold-out: neither is exported.
    assert [r["customer_id"] for r in passive] == ["PAS12SHORT", "PAS6", "PAS6CLAMP", "PAS9SHORT"]
    assert written["reactivation_passive"] == 4
    assert passive[0]["email_sha256"] == hashlib.sha256(b"pas12short@example.com").hexdigest()
    assert passive[0]["wave"] == "9" and passive[0]["due_date"] == "2024-12-02"
    assert not {"is_marketable", "is_control", "email"} & set(passive[0])
    assert [r["customer_id"] for r in read_csv_rows(tmp_path / "reactivation_vip_lapsing.csv")] == ["VIP6", "VIPL"]
    assert [r["customer_id"] for r in read_csv_rows(tmp_path / "reactivation_new_at_risk.csv")] == ["NAR"]
    rewards = read_csv_rows(tmp_path / "quarterly_rewards.csv")
    assert [(r["customer_id"], r["reward_tier"], r["gift_card_amount"]) for r in rewards] == [
        ("REW500", "silver", "15.00"), ("REW750", "gold", "30.00")]
    gifts = read_csv_rows(tmp_path / "gift_anniversaries.csv")   # due reminders only
    assert [(r["customer_id"], r["order_id"]) for r in gifts] == [("GIFT", "GIFT-2")]


def test_withdrawn_consent_leaves_every_export(shop: Build, tmp_path: Path) -> None:
    export_audiences(shop.db_path, tmp_path, "parquet", progress=False)
    import duckdb

    files = sorted(tmp_path.glob("*.parquet"))
    assert files
    for path in files:
        ids = {row[0] for row in duckdb.sql(f"select customer_id from '{path}'").fetchall()}
        assert "PAS12" not in ids, path.name
    assert shop.scalar("select is_marketable from marts.customer_profiles where customer_id = 'PAS12'") is False


def test_export_command_line(shop: Build, tmp_path: Path) -> None:
    # dbt's DuckDB instance in this process still holds the build's file: export a checkpointed copy.
    shop.rows("checkpoint")
    db_copy = tmp_path / "copy.duckdb"
    shutil.copyfile(shop.db_path, db_copy)
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "kanta.audiences", "--db", str(db_copy), "--out", str(out),
         "--format", "csv", "--no-progress"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "reactivation_passive.csv").exists()
    assert f"{out / 'reactivation_passive.csv'}\t4" in result.stdout
    # Marts this build did not make are skipped with a note, not an error.
    for mart in ["life_event_signals", "replenishment_candidates", "segment_offers"]:
        if not shop.scalar(
            "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = ?",
            [mart],
        ):
            assert f"skipping {mart}" in result.stderr


# --- the hold-out on the demo shop ----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """The demo shop of data/demo (the session's demo_build); while data/demo has not been
    generated, a temporary shop made the same way (`make demo`)."""
    if (DEMO_DIR / "orders.csv").exists():
        yield request.getfixturevalue("demo_build")
        return
    raw = tmp_path_factory.mktemp("activation_a_demo_raw")
    generated = subprocess.run(
        [sys.executable, "-m", "kanta", "generate", "--customers", "3000", "--orders", "15000",
         "--seed", "42", "--format", "csv", "--out", str(raw), "--no-progress"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    if generated.returncode != 0:
        pytest.skip(f"data/demo is absent and `python -m kanta generate` failed: {generated.stderr[-500:]}")
    build = run_dbt(tmp_path_factory.mktemp("activation_a_demo"), raw, extra_args=SELECT)
    assert build.success, build.error_text()
    yield build


def test_is_control_matches_python_md5_on_the_demo_shop(demo_shop: Build) -> None:
    rows = demo_shop.rows("select customer_id, automation, is_control from marts.reactivation_audience")
    assert len(rows) > 100
    mismatches = [
        r for r in rows
        if r["is_control"] != (holdout_fraction(r["customer_id"], r["automation"]) < HOLDOUT_SHARE)
    ]
    assert mismatches == []
    # Roughly holdout_share of the audience is held out.
    share = sum(r["is_control"] for r in rows) / len(rows)
    assert 0.03 < share < 0.2
