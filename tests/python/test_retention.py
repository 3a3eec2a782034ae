"""Retention marts (SPEC section 3): cohort_retention and retention_rates.

A crafted shop of twelve buyers is built with a fixed as_of_date; every figure asserted below is
worked out by hand from the orders written in `write_retention_shop`, with the arithmetic in a
comment. The demo shop checks the rules that hold on any data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import Build, run_dbt
from shops import ORDER_COLUMNS, order, write_csv

AS_OF = "2025-01-06"   # a Monday: the last day counted is Sunday 2025-01-05
SELECT = [
    "--select", "+cohort_retention +retention_rates",
    "--indirect-selection", "buildable",
]


def write_retention_shop(raw: Path) -> None:
    """Twelve buyers (A-J, L, M) and one customer without a counted order (K).

    Weekdays: 2024-01-01 is a Monday, so 2024-03-31 and 2024-06-09 are Sundays, 2024-04-01,
    2024-06-10 and 2024-12-30 Mondays, 2024-12-27 and 2025-01-03 Fridays.
    """
    raw.mkdir(parents=True, exist_ok=True)
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("A1", "A", "2023-11-15 10:00:00", "80.00"),
        order("A2", "A", "2024-02-10 10:00:00", "20.00"),
        order("B1", "B", "2023-12-03 10:00:00", "50.00"),
        order("C1", "C", "2024-01-10 10:00:00", "100.00"),
        order("C2", "C", "2024-03-05 10:00:00", "55.00", refunded="5.00"),  # revenue 50
        order("D1", "D", "2024-01-20 10:00:00", "40.00"),
        order("D2", "D", "2024-01-25 10:00:00", "10.00"),
        order("D3", "D", "2024-02-14 10:00:00", "30.00"),
        order("E1", "E", "2024-01-31 23:59:59", "60.00"),
        order("F1", "F", "2024-03-31 23:00:00", "25.00"),   # Sunday, end of March and of Q1
        order("F2", "F", "2024-04-01 08:00:00", "35.00"),   # Monday, April, Q2
        order("G1", "G", "2024-06-09 12:00:00", "20.00"),   # Sunday: week of Monday June 3
        order("G2", "G", "2024-06-10 12:00:00", "15.00"),   # Monday: week of Monday June 10
        order("H1", "H", "2024-06-12 12:00:00", "30.00"),   # Wednesday: week of June 10
        order("I1", "I", "2024-12-27 12:00:00", "45.00"),   # Friday: week of Monday Dec 23
        order("I2", "I", "2025-01-03 12:00:00", "55.00"),   # Friday: week of Monday Dec 30
        order("I3", "I", "2025-01-06 09:00:00", "99.00"),   # on as_of_date: ignored
        order("J1", "J", "2024-12-30 12:00:00", "70.00"),   # Monday: week of Dec 30
        order("K1", "K", "2024-05-05 12:00:00", "80.00", status="cancelled"),  # not counted
        order("L1", "L", "2024-04-15 12:00:00", "10.00"),
        order("L2", "L", "2024-05-20 12:00:00", "12.50"),
        order("L3", "L", "2024-07-04 12:00:00", "7.50"),
        order("M1", "M", "2023-11-20 12:00:00", "30.00"),
        order("M2", "M", "2024-11-20 12:00:00", "40.00"),
    ])


def build_retention_shop(work_dir: Path, as_of_date: str) -> Build:
    raw = work_dir / "raw"
    write_retention_shop(raw)
    build = run_dbt(work_dir / "build", raw, as_of_date=as_of_date, extra_args=SELECT)
    assert build.success, build.error_text()
    return build


@pytest.fixture(scope="module")
def retention_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    yield build_retention_shop(tmp_path_factory.mktemp("retention"), AS_OF)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def cohort(build: Build, cohort_month: str) -> list[dict[str, Any]]:
    return build.rows(
        "select * from marts.cohort_retention where cohort_month = ? order by months_since_first",
        [d(cohort_month)],
    )


def rates(build: Build, grain: str) -> dict[dt.date, dict[str, Any]]:
    return {
        r["period_start"]: r
        for r in build.rows(
            "select * from marts.retention_rates where period_grain = ? order by period_start",
            [grain],
        )
    }


def assert_rate(actual: float | None, expected: float | None) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual == pytest.approx(expected)


# --- cohort_retention ---------------------------------------------------------------------------

def test_cohort_sizes_and_grid_run_to_the_month_of_the_last_day_counted(retention_build) -> None:
    rows = retention_build.rows(
        "select cohort_month, max(cohort_size) as size, count(*) as months, "
        "min(months_since_first) as first, max(months_since_first) as last "
        "from marts.cohort_retention group by cohort_month order by cohort_month"
    )
    # Cohorts by first counted order: Nov 2023 {A, M}, Dec 2023 {B}, Jan 2024 {C, D, E},
    # Mar 2024 {F}, Apr 2024 {L}, Jun 2024 {G, H}, Dec 2024 {I, J}; K never had a counted order.
    # The grid runs to January 2025 (as_of_date - 1 day = 2025-01-05), so Nov 2023 has
    # months 0..14 (15 rows), Dec 2023 0..13, Jan 2024 0..12, Mar 0..10, Apr 0..9, Jun 0..7,
    # Dec 2024 0..1: 15 + 14 + 13 + 11 + 10 + 8 + 2 = 73 rows.
    assert [(str(r["cohort_month"]), r["size"], r["months"], r["first"], r["last"]) for r in rows] == [
        ("2023-11-01", 2, 15, 0, 14),
        ("2023-12-01", 1, 14, 0, 13),
        ("2024-01-01", 3, 13, 0, 12),
        ("2024-03-01", 1, 11, 0, 10),
        ("2024-04-01", 1, 10, 0, 9),
        ("2024-06-01", 2, 8, 0, 7),
        ("2024-12-01", 2, 2, 0, 1),
    ]
    assert retention_build.scalar("select count(*) from marts.cohort_retention") == 73


def test_cohort_cells_worked_by_hand(retention_build) -> None:
    # months_since_first: (active_customers, retention_rate, revenue, cumulative per customer);
    # every month not listed has nobody active: 0, 0.0, 0.00 and the cumulative unchanged.
    expected = {
        # Nov 2023 {A, M}, size 2: m0 A 80 + M 30 = 110 -> 110 / 2 = 55.00;
        # m3 (Feb 2024) A 20 -> 130 / 2 = 65.00; m12 (Nov 2024) M 40 -> 170 / 2 = 85.00.
        "2023-11-01": {
            0: (2, 1.0, "110.00", "55.00"),
            3: (1, 0.5, "20.00", "65.00"),
            12: (1, 0.5, "40.00", "85.00"),
        },
        # Jan 2024 {C, D, E}, size 3: m0 C 100 + D 40 + D 10 + E 60 = 210 -> 70.00 (D counted
        # once among the active); m1 D 30 -> 240 / 3 = 80.00; m2 C 55 - 5 refunded = 50 ->
        # 290 / 3 = 96.666... = 96.67.
        "2024-01-01": {
            0: (3, 1.0, "210.00", "70.00"),
            1: (1, 1 / 3, "30.00", "80.00"),
            2: (1, 1 / 3, "50.00", "96.67"),
        },
        # Apr 2024 {L}: m0 10.00, m1 (May) 12.50 -> 22.50, m2 (June) nobody, m3 (July) 7.50 -> 30.00.
        "2024-04-01": {
            0: (1, 1.0, "10.00", "10.00"),
            1: (1, 1.0, "12.50", "22.50"),
            3: (1, 1.0, "7.50", "30.00"),
        },
        # Dec 2024 {I, J}: m0 I 45 + J 70 = 115 -> 57.50; m1 (Jan 2025) I 55 (I3 on as_of_date
        # is ignored) -> 170 / 2 = 85.00, retention 1 / 2.
        "2024-12-01": {
            0: (2, 1.0, "115.00", "57.50"),
            1: (1, 0.5, "55.00", "85.00"),
        },
        # Jun 2024 {G, H}: m0 G 20 + G 15 + H 30 = 65 -> 32.50.
        "2024-06-01": {0: (2, 1.0, "65.00", "32.50")},
    }
    for cohort_month, active_months in expected.items():
        cumulative = Decimal("0.00")
        for row in cohort(retention_build, cohort_month):
            month = row["months_since_first"]
            if month in active_months:
                active, rate, revenue, cumulative_text = active_months[month]
                cumulative = Decimal(cumulative_text)
            else:
                active, rate, revenue = 0, 0.0, "0.00"
            got = (row["active_customers"], row["retention_rate"], row["revenue"],
                   row["cumulative_revenue_per_customer"])
            assert got[0] == active, (cohort_month, month)
            assert got[1] == pytest.approx(rate), (cohort_month, month)
            assert got[2] == Decimal(revenue), (cohort_month, month)
            assert got[3] == cumulative, (cohort_month, month)


def test_month_with_nobody_active_is_present_with_zero(retention_build) -> None:
    # Cohort Jan 2024 {C, D, E}: nobody buys in April 2024 (month 3); the cell is there with 0
    # and the cumulative revenue per customer stays at 290 / 3 = 96.67.
    row = cohort(retention_build, "2024-01-01")[3]
    assert row["months_since_first"] == 3
    assert (row["cohort_size"], row["active_customers"], row["retention_rate"]) == (3, 0, 0.0)
    assert row["revenue"] == Decimal("0.00")
    assert row["cumulative_revenue_per_customer"] == Decimal("96.67")


def test_cohort_sizes_add_up_to_the_buyers(retention_build) -> None:
    # 2 + 1 + 3 + 1 + 1 + 2 + 2 = 12 buyers: A-J, L, M (K's only order is cancelled).
    assert retention_build.scalar(
        "select sum(cohort_size) from marts.cohort_retention where months_since_first = 0"
    ) == 12


# --- retention_rates ----------------------------------------------------------------------------

# (period_start, customers, retained_customers, retention_rate, returning_customers, new_customers)
MONTHS = [
    ("2023-11-01", 2, 0, 0.0, 0, 2),     # {A, M} -> Dec {B}: 0 / 2
    ("2023-12-01", 1, 0, 0.0, 0, 1),     # {B} -> Jan {C, D, E}: 0 / 1
    ("2024-01-01", 3, 1, 1 / 3, 0, 3),   # {C, D, E} -> Feb {A, D}: D, 1 / 3
    ("2024-02-01", 2, 0, 0.0, 2, 0),     # {A, D}, both returning -> Mar {C, F}: 0 / 2
    ("2024-03-01", 2, 1, 0.5, 1, 1),     # {C ret., F new} -> Apr {F, L}: F, 1 / 2
    ("2024-04-01", 2, 1, 0.5, 1, 1),     # {F ret., L new} -> May {L}: L, 1 / 2
    ("2024-05-01", 1, 0, 0.0, 1, 0),     # {L} -> Jun {G, H}: 0 / 1
    ("2024-06-01", 2, 0, 0.0, 0, 2),     # {G, H} -> Jul {L}: 0 / 2
    ("2024-07-01", 1, 0, 0.0, 1, 0),     # {L} -> Aug {}: 0 / 1 (August is complete)
    ("2024-08-01", 0, 0, None, 0, 0),    # no buyers: null rate
    ("2024-09-01", 0, 0, None, 0, 0),
    ("2024-10-01", 0, 0, None, 0, 0),
    ("2024-11-01", 1, 0, 0.0, 1, 0),     # {M} -> Dec {I, J}: 0 / 1; Dec ends 2025-01-01 <= as_of
    ("2024-12-01", 2, 1, None, 0, 2),    # {I, J} -> Jan {I}: 1 so far, Jan ends 2025-02-01 > as_of
    ("2025-01-01", 1, 0, None, 1, 0),    # {I}: the month of the last day counted
]

QUARTERS = [
    ("2023-10-01", 3, 1, 1 / 3, 0, 3),   # {A, B, M} -> Q1 2024 {A, C, D, E, F}: A, 1 / 3
    ("2024-01-01", 5, 1, 0.2, 1, 4),     # {A ret.; C, D, E, F new} -> Q2 {F, G, H, L}: F, 1 / 5
    ("2024-04-01", 4, 1, 0.25, 1, 3),    # {F ret.; G, H, L new} -> Q3 {L}: L, 1 / 4
    ("2024-07-01", 1, 0, 0.0, 1, 0),     # {L} -> Q4 {I, J, M}: 0 / 1; Q4 ends 2025-01-01 <= as_of
    ("2024-10-01", 3, 1, None, 1, 2),    # {M ret.; I, J new} -> Q1 2025 {I}: incomplete
    ("2025-01-01", 1, 0, None, 1, 0),    # {I}
]

YEARS = [
    ("2023-01-01", 3, 2, 2 / 3, 0, 3),   # {A, B, M} -> 2024: A and M, 2 / 3; 2024 ends 2025-01-01
    ("2024-01-01", 11, 1, None, 2, 9),   # all but B bought in 2024; A, M returning -> 2025 {I}
    ("2025-01-01", 1, 0, None, 1, 0),    # {I}: I2 on Jan 3 (I3 on as_of_date is ignored)
]


@pytest.mark.parametrize(("grain", "expected"), [
    ("month", MONTHS), ("quarter", QUARTERS), ("year", YEARS),
])
def test_retention_by_month_quarter_and_year_worked_by_hand(retention_build, grain, expected) -> None:
    got = rates(retention_build, grain)
    assert sorted(got) == [d(row[0]) for row in expected]
    for period_start, customers, retained, rate, returning, new in expected:
        row = got[d(period_start)]
        assert (row["customers"], row["retained_customers"], row["returning_customers"],
                row["new_customers"]) == (customers, retained, returning, new), period_start
        assert_rate(row["retention_rate"], rate)


def test_weeks_start_on_monday(retention_build) -> None:
    weeks = rates(retention_build, "week")
    # Every period_start is a Monday, from the week of A's first order (Wednesday 2023-11-15:
    # Monday 2023-11-13) to the week of Sunday 2025-01-05 (Monday 2024-12-30): 413 days = 59 weeks
    # apart, 60 weeks.
    assert all(start.isoweekday() == 1 for start in weeks)
    assert (min(weeks), max(weeks), len(weeks)) == (d("2023-11-13"), d("2024-12-30"), 60)
    # G buys on Sunday June 9 and Monday June 10: two weeks, not one.
    june_3, june_10 = weeks[d("2024-06-03")], weeks[d("2024-06-10")]
    assert (june_3["customers"], june_3["retained_customers"], june_3["new_customers"]) == (1, 1, 1)
    assert june_3["retention_rate"] == 1.0                                  # {G} -> {G, H}: 1 / 1
    # Week of June 10 {G, H}: G returning (first week June 3), H new; nobody the week after: 0 / 2.
    assert (june_10["customers"], june_10["returning_customers"], june_10["new_customers"]) == (2, 1, 1)
    assert june_10["returning_customer_rate"] == 0.5
    assert june_10["retention_rate"] == 0.0
    # F: Sunday March 31 (week of March 25) and Monday April 1 (week of April 1): 1 / 1.
    assert weeks[d("2024-03-25")]["retention_rate"] == 1.0
    assert weeks[d("2024-04-01")]["returning_customers"] == 1


def test_retention_rate_null_until_the_next_period_is_complete(retention_build) -> None:
    weeks = rates(retention_build, "week")
    # Week of Dec 23 {I} -> week of Dec 30 {I, J}: I, 1 / 1. The next week's exclusive end,
    # 2025-01-06, equals as_of_date: complete, so the rate is given (just inside the rule).
    assert (weeks[d("2024-12-23")]["retained_customers"], weeks[d("2024-12-23")]["retention_rate"]) == (1, 1.0)
    # Week of Dec 30 {I, J}: its next week ends 2025-01-13 > as_of_date: null, and I3 (on
    # as_of_date, in that next week) is not counted.
    assert (weeks[d("2024-12-30")]["retained_customers"], weeks[d("2024-12-30")]["retention_rate"]) == (0, None)
    # The latest period of every grain has a null rate.
    latest = retention_build.rows(
        "select period_grain, retention_rate from marts.retention_rates "
        "qualify period_start = max(period_start) over (partition by period_grain)"
    )
    assert sorted(r["period_grain"] for r in latest) == ["month", "quarter", "week", "year"]
    assert all(r["retention_rate"] is None for r in latest)


def test_periods_without_buyers_are_present_with_null_rates(retention_build) -> None:
    empty = retention_build.rows(
        "select * from marts.retention_rates where customers = 0"
    )
    # Months Aug, Sep, Oct 2024 (no order) and many weeks; never a quarter or a year here.
    assert {r["period_grain"] for r in empty} == {"week", "month"}
    assert len([r for r in empty if r["period_grain"] == "month"]) == 3
    for r in empty:
        assert (r["retained_customers"], r["returning_customers"], r["new_customers"]) == (0, 0, 0)
        assert r["retention_rate"] is None and r["returning_customer_rate"] is None


def test_returning_and_new_customers(retention_build) -> None:
    months = rates(retention_build, "month")
    # Feb 2024 {A, D}: A first bought in Nov 2023, D in Jan 2024: 2 returning, 0 new, rate 2 / 2.
    feb = months[d("2024-02-01")]
    assert (feb["returning_customers"], feb["new_customers"], feb["returning_customer_rate"]) == (2, 0, 1.0)
    # Mar 2024 {C, F}: C returning (Jan), F new: 1 / 2. D's two January orders count once.
    assert months[d("2024-03-01")]["returning_customer_rate"] == 0.5
    assert months[d("2024-01-01")]["customers"] == 3
    # Every buyer is new exactly once per grain: 12 new customers at each grain.
    per_grain = retention_build.rows(
        "select period_grain, sum(new_customers) as new from marts.retention_rates group by period_grain"
    )
    assert {r["period_grain"]: r["new"] for r in per_grain} == {
        "week": 12, "month": 12, "quarter": 12, "year": 12,
    }


class BuildsByAsOfDate(dict[str, Build]):
    """The crafted shop built once per as_of_date, on first use."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self.tmp_path_factory = tmp_path_factory

    def __missing__(self, as_of_date: str) -> Build:
        build = build_retention_shop(self.tmp_path_factory.mktemp(f"retention_{as_of_date}"), as_of_date)
        self[as_of_date] = build
        return build


@pytest.fixture(scope="module")
def boundary_builds(tmp_path_factory: pytest.TempPathFactory) -> BuildsByAsOfDate:
    """The same shop on the day a next period ends and the day before."""
    return BuildsByAsOfDate(tmp_path_factory)


@pytest.mark.parametrize(("as_of_date", "grain", "period_start", "retained", "rate"), [
    # The week of Dec 23 -> week of Dec 30 (I on Jan 3, before either as_of_date): its exclusive
    # end is 2025-01-06; on 2025-01-05 it is one day short: null (the main build, on Jan 6, gives 1.0).
    ("2025-01-05", "week", "2024-12-23", 1, None),
    # 2023 {A, B, M} -> 2024 {A, M}: 2 / 3 once 2024 is complete, i.e. from as_of_date 2025-01-01 ...
    ("2025-01-01", "year", "2023-01-01", 2, 2 / 3),
    # ... and null the day before, though both repeat orders are already counted.
    ("2024-12-31", "year", "2023-01-01", 2, None),
    # Q3 {L} -> Q4 (no L): 0 / 1 from 2025-01-01, null on 2024-12-31.
    ("2025-01-01", "quarter", "2024-07-01", 0, 0.0),
    ("2024-12-31", "quarter", "2024-07-01", 0, None),
])
def test_rate_known_exactly_when_the_next_period_ends(
    boundary_builds, as_of_date, grain, period_start, retained, rate,
) -> None:
    row = rates(boundary_builds[as_of_date], grain)[d(period_start)]
    assert row["retained_customers"] == retained
    assert_rate(row["retention_rate"], rate)


def test_periods_end_with_the_month_of_as_of_date_minus_one_day(boundary_builds) -> None:
    build = boundary_builds["2025-01-01"]
    # as_of_date 2025-01-01: the last day counted is Tuesday 2024-12-31, so the last periods are
    # the week of Monday Dec 30, December, Q4 and 2024; I2 (Jan 3) is not counted.
    last = {
        r["period_grain"]: str(r["last_start"])
        for r in build.rows(
            "select period_grain, max(period_start) as last_start from marts.retention_rates group by 1"
        )
    }
    assert last == {"week": "2024-12-30", "month": "2024-12-01", "quarter": "2024-10-01", "year": "2024-01-01"}
    # Cohort Nov 2023 now runs to December 2024: months 0..13.
    assert [r["months_since_first"] for r in cohort(build, "2023-11-01")] == list(range(14))
    # Week of Dec 30 {J} only (I2 falls after as_of_date): 1 customer, new.
    week = rates(build, "week")[d("2024-12-30")]
    assert (week["customers"], week["new_customers"]) == (1, 1)


# --- the demo shop ------------------------------------------------------------------------------

def test_demo_retention_rates_between_0_and_1(demo_build) -> None:
    for table in ["cohort_retention", "retention_rates"]:
        assert demo_build.scalar(
            f"select count(*) from marts.{table} where retention_rate < 0 or retention_rate > 1"
        ) == 0
    assert demo_build.scalar(
        "select count(*) from marts.retention_rates "
        "where returning_customer_rate < 0 or returning_customer_rate > 1"
    ) == 0
    assert demo_build.scalar("select count(*) from marts.cohort_retention where retention_rate is null") == 0


def test_demo_cohort_sizes_add_up_to_the_buyers(demo_build) -> None:
    buyers = demo_build.scalar(
        "select count(distinct customer_id) from intermediate.int_orders_counted"
    )
    assert buyers > 0
    assert demo_build.scalar(
        "select sum(cohort_size) from (select distinct cohort_month, cohort_size from marts.cohort_retention)"
    ) == buyers
    # Each buyer is new exactly once at every grain.
    assert {
        r["period_grain"]: r["new"]
        for r in demo_build.rows(
            "select period_grain, sum(new_customers) as new from marts.retention_rates group by 1"
        )
    } == {"week": buyers, "month": buyers, "quarter": buyers, "year": buyers}


def test_demo_month_zero_retention_is_one(demo_build) -> None:
    rows = demo_build.rows(
        "select retention_rate, active_customers, cohort_size from marts.cohort_retention "
        "where months_since_first = 0"
    )
    assert rows
    assert all(r["retention_rate"] == 1.0 and r["active_customers"] == r["cohort_size"] for r in rows)
