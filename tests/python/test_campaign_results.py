"""campaign_results (SPEC section 3, "Activation marts"): reactivation waves measured against
their hold-out.

A crafted shop is built with as_of_date 2024-09-01, the default rules and waves, a conversion
window of 30 days and holdout_share 0.5 (so that small groups have controls). Customer ids are
chosen by their hold-out fraction, int(md5(customer_id:automation)[:8], 16) / 2**32: T-... and
VT-/NT- ids fall at or above 0.5 (treated), C-... and VC-/NC- ids below it (control);
`test_crafted_ids_fall_on_the_intended_side` checks every one. Every figure asserted below is
worked out by hand, with the arithmetic in a comment. A generated shop checks the due dates
found from order gaps against an evaluation of the rules on every single day.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT_DIR, Build, run_dbt
from shops import ORDER_COLUMNS, order, write_csv

AS_OF = "2024-09-01"
HOLDOUT_SHARE = 0.5
WINDOW_DAYS = 30
VARIABLES = {"holdout_share": HOLDOUT_SHARE, "conversion_window_days": WINDOW_DAYS}
SELECT = [
    "--select", "+campaign_results +reactivation_audience",
    "--indirect-selection", "buildable",
]

# Passive (3 orders, 60.00, not VIP), last order 2024-01-10: wave 6 due 2024-07-10, window
# 2024-07-10 <= order_date < 2024-08-09.
PASSIVE_TREATED = ["T-DUEDAY-2", "T-DAY29-1", "T-TWICE-3", "T-DAY30-2", "T-NONE-1"]
PASSIVE_CONTROL = ["C-DAY10-10", "C-NONE-1", "C-NONE-2"]
# VIP by revenue (600 + 500 = 1100, 2 orders), last order 2024-02-05: vip_lapsing wave 3 due
# 2024-05-05, window 2024-05-05 <= order_date < 2024-06-04. (The first order, 2023-12-01, is
# recent on its new_at_risk day 2024-02-29: recency 24 days, not new_at_risk.)
VIP_TREATED = ["VT-4", "VT-5", "VT-6", "VT-8"]
VIP_CONTROL = ["VC-2", "VC-3", "VC-5", "VC-8"]


def passive_history(customer: str, last_day: str) -> list[str]:
    return [
        order(f"{customer}-a", customer, "2023-06-01 12:00:00", "20.00"),
        order(f"{customer}-b", customer, "2023-07-01 12:00:00", "20.00"),
        order(f"{customer}-c", customer, f"{last_day} 12:00:00", "20.00"),
    ]


def vip_history(customer: str) -> list[str]:
    return [
        order(f"{customer}-a", customer, "2023-12-01 12:00:00", "600.00"),
        order(f"{customer}-b", customer, "2024-02-05 12:00:00", "500.00"),
    ]


def write_campaign_shop(raw: Path) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    # passive wave 6, due 2024-07-10 (2024-01-10 + 6 months).
    for customer in PASSIVE_TREATED + PASSIVE_CONTROL:
        lines += passive_history(customer, "2024-01-10")
    lines += [
        # On the due day itself: still due (orders before the day only), and a conversion.
        order("T-DUEDAY-2-d", "T-DUEDAY-2", "2024-07-10 09:00:00", "30.00"),
        # Due + 29 days: converts. The 1000.00 makes this customer a VIP today, but on the due
        # day they were not: they count in passive.
        order("T-DAY29-1-d", "T-DAY29-1", "2024-08-08 12:00:00", "1000.00"),
        # Two orders in the window: one conversion, both revenues (10 + 15 = 25).
        order("T-TWICE-3-d", "T-TWICE-3", "2024-07-15 12:00:00", "10.00"),
        order("T-TWICE-3-e", "T-TWICE-3", "2024-07-20 12:00:00", "15.00"),
        # Due + 30 days: just outside the window, neither a conversion nor revenue.
        order("T-DAY30-2-d", "T-DAY30-2", "2024-08-09 12:00:00", "99.00"),
        # Control, due + 10 days: converts.
        order("C-DAY10-10-d", "C-DAY10-10", "2024-07-20 12:00:00", "20.00"),
    ]
    # Ordered again the day before the due date: the last order moves to 2024-07-09, the next
    # wave 6 is 2025-01-09, after as_of_date. Never due.
    lines += passive_history("REORDER-1", "2024-01-10")
    lines += [order("REORDER-1-d", "REORDER-1", "2024-07-09 12:00:00", "20.00")]
    # Last order 2024-02-02: due 2024-08-02, window ends 2024-09-01 = as_of_date: closed.
    lines += passive_history("T-AUG2-1", "2024-02-02")
    lines += [order("T-AUG2-1-d", "T-AUG2-1", "2024-08-31 12:00:00", "12.00")]   # due + 29
    # Last order 2024-02-03: due 2024-08-03, window ends 2024-09-02 > as_of_date: not closed.
    lines += passive_history("AUG3-8", "2024-02-03")

    # vip_lapsing wave 3, due 2024-05-05. Conversion orders are on or after 2024-05-05, so
    # their next wave 3 (>= 2024-08-05) has a window ending after as_of_date, as has the wave 6
    # of the others (2024-08-05).
    for customer in VIP_TREATED + VIP_CONTROL:
        lines += vip_history(customer)
    lines += [
        order("VT-4-c", "VT-4", "2024-05-05 12:00:00", "100.00"),   # due day
        order("VT-5-c", "VT-5", "2024-05-20 12:00:00", "200.00"),
        order("VT-6-c", "VT-6", "2024-06-03 12:00:00", "50.00"),    # due + 29
        order("VT-8-c", "VT-8", "2024-05-10 12:00:00", "150.00"),
        order("VC-2-c", "VC-2", "2024-05-25 12:00:00", "80.00"),
    ]

    # new_at_risk: first order 2024-03-01, due 2024-03-01 + 90 days = 2024-05-30, when tenure
    # and recency are both 90 days. Window 2024-05-30 <= order_date < 2024-06-29.
    lines += [
        order("NT-1-a", "NT-1", "2024-03-01 12:00:00", "40.00"),
        order("NT-1-b", "NT-1", "2024-06-10 12:00:00", "45.00"),
        order("NC-1-a", "NC-1", "2024-03-01 12:00:00", "40.00"),
        # A second order 2024-04-01: on 2024-05-30 recency is 59 days (< 90), so not
        # new_at_risk on its due day: never due.
        order("NX-3-a", "NX-3", "2024-03-01 12:00:00", "40.00"),
        order("NX-3-b", "NX-3", "2024-04-01 12:00:00", "40.00"),
    ]
    write_csv(raw / "orders.csv", ORDER_COLUMNS, lines)


def holdout_fraction(customer_id: str, automation: str) -> float:
    digest = hashlib.md5(f"{customer_id}:{automation}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("campaign_results")
    write_campaign_shop(work / "raw")
    build = run_dbt(work / "build", work / "raw", as_of_date=AS_OF, variables=VARIABLES, extra_args=SELECT)
    assert build.success, build.error_text()
    return build


def results(build: Build) -> dict[tuple[str, int, date], dict[str, Any]]:
    return {
        (r["automation"], r["wave"], r["due_month"]): r
        for r in build.rows("select * from marts.campaign_results")
    }


def dues(build: Build) -> dict[str, list[tuple[str, int, date, bool]]]:
    got: dict[str, list[tuple[str, int, date, bool]]] = {}
    for r in build.rows(
        "select * from intermediate.int_reactivation_dues_evaluated order by customer_id, due_date"
    ):
        got.setdefault(r["customer_id"], []).append((r["automation"], r["wave"], r["due_date"], r["is_control"]))
    return got


def assert_row(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert set(got) == set(expected)
    for column, value in expected.items():
        if isinstance(value, float):
            assert got[column] == pytest.approx(value, abs=1e-9), column
        else:
            assert got[column] == value, column


def test_crafted_ids_fall_on_the_intended_side() -> None:
    for customer in PASSIVE_TREATED + ["T-AUG2-1"]:
        assert holdout_fraction(customer, "passive") >= HOLDOUT_SHARE, customer
    for customer in PASSIVE_CONTROL:
        assert holdout_fraction(customer, "passive") < HOLDOUT_SHARE, customer
    for customer in VIP_TREATED:
        assert holdout_fraction(customer, "vip_lapsing") >= HOLDOUT_SHARE, customer
    for customer in VIP_CONTROL:
        assert holdout_fraction(customer, "vip_lapsing") < HOLDOUT_SHARE, customer
    # VC-5 is just below the share: 0.4997.
    assert 0.499 < holdout_fraction("VC-5", "vip_lapsing") < HOLDOUT_SHARE
    assert holdout_fraction("NT-1", "new_at_risk") >= HOLDOUT_SHARE
    assert holdout_fraction("NC-1", "new_at_risk") < HOLDOUT_SHARE


def test_result_rows_by_hand(shop: Build) -> None:
    got = results(shop)
    assert set(got) == {
        ("passive", 6, date(2024, 7, 1)),
        ("passive", 6, date(2024, 8, 1)),
        ("vip_lapsing", 3, date(2024, 5, 1)),
        ("new_at_risk", 3, date(2024, 5, 1)),
    }

    # passive wave 6, due 2024-07-10. Treated 5: T-DUEDAY-2 (due day, 30.00), T-DAY29-1 (due +
    # 29, 1000.00) and T-TWICE-3 (10.00 + 15.00) convert; T-DAY30-2 (due + 30) and T-NONE-1 do
    # not: 3 / 5 = 0.6, revenue (30 + 1000 + 25) / 5 = 1055 / 5 = 211.00.
    # Control 3: C-DAY10-10 (20.00) converts: 1 / 3, revenue 20 / 3 = 6.67.
    # absolute lift 0.6 - 1/3 = 4/15; relative (4/15) / (1/3) = 0.8;
    # incremental 5 x (211 - 20/3) = 1055 - 33.33 = 1021.67;
    # margin 1.96 x sqrt(0.6 x 0.4 / 5 + (1/3)(2/3) / 3) = 1.96 x sqrt(0.048 + 0.074074)
    #        = 1.96 x 0.349391 = 0.684806: interval -0.418140 .. 0.951473 holds 0.
    margin = 1.96 * math.sqrt(0.6 * 0.4 / 5 + (1 / 3) * (2 / 3) / 3)
    assert margin == pytest.approx(0.684806, abs=1e-6)
    assert_row(got[("passive", 6, date(2024, 7, 1))], {
        "automation": "passive", "wave": 6, "due_month": date(2024, 7, 1),
        "treated_customers": 5, "control_customers": 3,
        "treated_conversions": 3, "control_conversions": 1,
        "treated_conversion_rate": 0.6, "control_conversion_rate": 1 / 3,
        "treated_revenue_per_customer": Decimal("211.00"),
        "control_revenue_per_customer": Decimal("6.67"),
        "absolute_lift": 4 / 15, "relative_lift": 0.8,
        "incremental_revenue": Decimal("1021.67"),
        "lift_ci_lower": 4 / 15 - margin, "lift_ci_upper": 4 / 15 + margin,
        "is_significant": False,
    })

    # passive wave 6, due 2024-08-02 (window closes on as_of_date): T-AUG2-1 alone, converted
    # on 2024-08-31 (12.00). AUG3-8 (due 2024-08-03) is left out: its window is still open.
    # No control: control figures, lifts, incremental revenue and interval are null.
    assert_row(got[("passive", 6, date(2024, 8, 1))], {
        "automation": "passive", "wave": 6, "due_month": date(2024, 8, 1),
        "treated_customers": 1, "control_customers": 0,
        "treated_conversions": 1, "control_conversions": 0,
        "treated_conversion_rate": 1.0, "control_conversion_rate": None,
        "treated_revenue_per_customer": Decimal("12.00"),
        "control_revenue_per_customer": None,
        "absolute_lift": None, "relative_lift": None, "incremental_revenue": None,
        "lift_ci_lower": None, "lift_ci_upper": None,
        "is_significant": False,
    })

    # vip_lapsing wave 3, due 2024-05-05. Treated 4, all convert: rate 1.0, revenue
    # (100 + 200 + 50 + 150) / 4 = 125.00. Control 4, VC-2 converts: 0.25, 80 / 4 = 20.00.
    # absolute 0.75; relative 0.75 / 0.25 = 3.0; incremental 4 x (125 - 20) = 420.00;
    # margin 1.96 x sqrt(1 x 0 / 4 + 0.25 x 0.75 / 4) = 1.96 x 0.216506 = 0.424352:
    # interval 0.325648 .. 1.174352 excludes 0: significant.
    margin = 1.96 * math.sqrt(0.25 * 0.75 / 4)
    assert margin == pytest.approx(0.424352, abs=1e-6)
    assert_row(got[("vip_lapsing", 3, date(2024, 5, 1))], {
        "automation": "vip_lapsing", "wave": 3, "due_month": date(2024, 5, 1),
        "treated_customers": 4, "control_customers": 4,
        "treated_conversions": 4, "control_conversions": 1,
        "treated_conversion_rate": 1.0, "control_conversion_rate": 0.25,
        "treated_revenue_per_customer": Decimal("125.00"),
        "control_revenue_per_customer": Decimal("20.00"),
        "absolute_lift": 0.75, "relative_lift": 3.0,
        "incremental_revenue": Decimal("420.00"),
        "lift_ci_lower": 0.75 - margin, "lift_ci_upper": 0.75 + margin,
        "is_significant": True,
    })

    # new_at_risk, due 2024-05-30: NT-1 converts (45.00 on 2024-06-10), NC-1 does not.
    # absolute 1 - 0 = 1; relative null (control rate 0); incremental 1 x (45 - 0) = 45.00;
    # margin 1.96 x sqrt(1 x 0 / 1 + 0 x 1 / 1) = 0: the interval is the point 1, which
    # excludes 0 (the normal approximation degenerates on groups this small).
    assert_row(got[("new_at_risk", 3, date(2024, 5, 1))], {
        "automation": "new_at_risk", "wave": 3, "due_month": date(2024, 5, 1),
        "treated_customers": 1, "control_customers": 1,
        "treated_conversions": 1, "control_conversions": 0,
        "treated_conversion_rate": 1.0, "control_conversion_rate": 0.0,
        "treated_revenue_per_customer": Decimal("45.00"),
        "control_revenue_per_customer": Decimal("0.00"),
        "absolute_lift": 1.0, "relative_lift": None,
        "incremental_revenue": Decimal("45.00"),
        "lift_ci_lower": 1.0, "lift_ci_upper": 1.0,
        "is_significant": True,
    })


def test_due_customers_evaluated_on_their_due_day(shop: Build) -> None:
    got = dues(shop)
    # Ordered again the day before the due date: never due.
    assert "REORDER-1" not in got
    # Not new_at_risk on its due day (recency 59 days on 2024-05-30): never due.
    assert "NX-3" not in got
    # Due on the day of its order (orders before the day only), in passive: not a VIP then,
    # though the 1000.00 order in the window made it one since.
    assert got["T-DUEDAY-2"] == [("passive", 6, date(2024, 7, 10), False)]
    assert got["T-DAY29-1"] == [("passive", 6, date(2024, 7, 10), False)]
    assert shop.scalar("select is_vip from marts.customer_segments where customer_id = 'T-DAY29-1'") is True
    # Due, but the window (ends 2024-09-02) is still open: in the dues, not in the results.
    assert got["AUG3-8"] == [("passive", 6, date(2024, 8, 3), False)]
    # Each wave reached is due once, on its own day: VC-3 reached vip_lapsing 3 on 2024-05-05
    # and 6 on 2024-08-05 (results only count wave 3: wave 6's window is open); VT-4 ordered on
    # its due day and reached wave 3 again three months after that order.
    assert got["VC-3"] == [
        ("vip_lapsing", 3, date(2024, 5, 5), True),
        ("vip_lapsing", 6, date(2024, 8, 5), True),
    ]
    assert got["VT-4"] == [
        ("vip_lapsing", 3, date(2024, 5, 5), False),
        ("vip_lapsing", 3, date(2024, 8, 5), False),
    ]
    assert got["NT-1"] == [("new_at_risk", 3, date(2024, 5, 30), False)]
    assert got["NC-1"] == [("new_at_risk", 3, date(2024, 5, 30), True)]


def test_every_current_wave_is_a_due(shop: Build) -> None:
    """The audience of as_of_date, evaluated by the same rules: every vip_lapsing and passive
    customer in it was due in that automation and wave on its due_date."""
    audience = shop.rows(
        "select customer_id, automation, wave, due_date, is_control from marts.reactivation_audience"
        " where automation in ('vip_lapsing', 'passive')"
    )
    assert len(audience) >= 8
    got = dues(shop)
    for row in audience:
        due = (row["automation"], row["wave"], row["due_date"], row["is_control"])
        assert due in got.get(row["customer_id"], []), row


# --- the due dates from order gaps equal an evaluation on every day ---------------------------

# The rules of reactivation_audience with the default vars and waves, evaluated on every day d
# from the first order to as_of_date on the orders before d; a wave is due on d when the wave
# assigned on d has due_date d.
EVERY_DAY_DUES = """
with
orders as (select customer_id, order_date, revenue from intermediate.int_orders_counted),
days as (
    select cast(unnest(generate_series(
        (select min(order_date) from orders) + 1,
        (select as_of_date from intermediate.int_as_of_date),
        interval 1 day)) as date) as d
),
states as (
    select
        orders.customer_id, days.d,
        count(*) as order_count, sum(orders.revenue) as total_revenue,
        min(orders.order_date) as first_order_date, max(orders.order_date) as last_order_date
    from orders join days on orders.order_date < days.d
    group by all
),
staged as (
    select *,
        order_count >= 10 or total_revenue >= 1000 as is_vip,
        d - last_order_date as recency_days,
        d - first_order_date as tenure_days
    from states
),
waves(automation, wave, priority) as (
    values ('vip_lapsing', 3, 1), ('vip_lapsing', 6, 1),
           ('passive', 6, 2), ('passive', 9, 2), ('passive', 12, 2), ('new_at_risk', 3, 3)
),
candidates as (
    select staged.customer_id, staged.d, waves.automation, waves.wave, waves.priority,
        case when waves.automation = 'new_at_risk' then first_order_date + 90
             else cast(last_order_date + to_months(waves.wave) as date) end as due_date
    from staged join waves on
        (waves.automation = 'vip_lapsing' and is_vip
            and cast(last_order_date + to_months(waves.wave) as date) <= d)
        or (waves.automation = 'passive' and not is_vip and order_count >= 3
            and cast(last_order_date + to_months(waves.wave) as date) <= d)
        or (waves.automation = 'new_at_risk' and not is_vip and tenure_days >= 90
            and order_count <= 3 and tenure_days < 180 and recency_days >= 90)
),
assigned as (
    select *, row_number() over (partition by customer_id, d order by priority, wave desc) as pick
    from candidates
)
select customer_id, automation, wave, due_date
from assigned
where pick = 1 and due_date = d
"""


@pytest.fixture(scope="module")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("campaign_generated")
    raw = work / "raw"
    generated = subprocess.run(
        [sys.executable, "-m", "kanta", "generate", "--customers", "800", "--orders", "6000",
         "--seed", "7", "--format", "csv", "--out", str(raw), "--no-progress"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    assert generated.returncode == 0, generated.stderr[-2000:]
    build = run_dbt(work / "build", raw, extra_args=SELECT)
    assert build.success, build.error_text()
    return build


def test_due_dates_equal_an_evaluation_on_every_day(generated_shop: Build) -> None:
    expected = {tuple(r.values()) for r in generated_shop.rows(EVERY_DAY_DUES)}
    got = {
        tuple(r.values()) for r in generated_shop.rows(
            "select customer_id, automation, wave, due_date from intermediate.int_reactivation_dues_evaluated")
    }
    assert len(expected) > 200
    assert {automation for _, automation, _, _ in expected} == {"vip_lapsing", "passive", "new_at_risk"}
    assert got == expected


def test_results_add_up_on_a_generated_shop(generated_shop: Build) -> None:
    rows = generated_shop.rows("select * from marts.campaign_results")
    as_of = generated_shop.scalar("select as_of_date from intermediate.int_as_of_date")
    closed = generated_shop.scalar(
        "select count(*) from intermediate.int_reactivation_dues_evaluated"
        f" where due_date + {WINDOW_DAYS} <= ?", [as_of])
    assert sum(r["treated_customers"] + r["control_customers"] for r in rows) == closed
    for r in rows:
        if r["treated_customers"] and r["control_customers"]:
            p1, n1 = r["treated_conversion_rate"], r["treated_customers"]
            p2, n2 = r["control_conversion_rate"], r["control_customers"]
            margin = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
            assert r["lift_ci_lower"] == pytest.approx(p1 - p2 - margin)
            assert r["lift_ci_upper"] == pytest.approx(p1 - p2 + margin)
            assert r["is_significant"] == (p1 - p2 - margin > 0 or p1 - p2 + margin < 0)
        else:
            assert r["lift_ci_lower"] is None and r["is_significant"] is False
