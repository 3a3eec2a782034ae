"""segment_history and segment_migrations (SPEC section 3): point in time, by hand and by rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEMO_DIR, Build, BuildShop, run_dbt
from shops import ORDER_COLUMNS, order, write_csv


@pytest.fixture(scope="module")
def three_buyers(tmp_path_factory: pytest.TempPathFactory) -> Build:
    work = tmp_path_factory.mktemp("history")
    raw = work / "raw"
    raw.mkdir()
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("A1", "A", "2023-12-10 10:00:00", "100.00"),
        order("A2", "A", "2024-01-15 10:00:00", "100.00"),
        order("B1", "B", "2024-01-20 10:00:00", "50.00"),
        order("C1", "C", "2024-02-05 10:00:00", "10.00"),
    ])
    build = run_dbt(work / "build", raw, as_of_date="2024-04-01", variables={"history_months": 3})
    assert build.success, build.error_text()
    return build


def test_history_by_hand(three_buyers: Build) -> None:
    # Snapshots: the first days of the 3 months up to the month of Mar 31 -> Jan 1, Feb 1, Mar 1.
    # Jan 1: only A (1 order, recency = tenure = 22): new; alone, every score is 1 -> hibernating.
    # Feb 1: A (2 orders, recency 17, tenure 53), B (1 order, recency 12): both new.
    #   n = 2: recency desc A rank 1 -> r 1, B rank 2 -> 1 + floor(5 / 2) = 3;
    #   orders asc B rank 1 -> f 1, A rank 2 -> f 3. A (1, 3) at_risk; B (3, 1) about_to_sleep.
    # Mar 1: A (recency 46, tenure 82), B (recency 41), C (recency 25): all new.
    #   n = 3: recency desc A, B, C -> r 1, 1 + floor(5 / 3) = 2, 1 + floor(10 / 3) = 4;
    #   orders asc B, C rank 1 -> f 1; A rank 3 -> f 4. A at_risk, B hibernating, C promising.
    got = {
        (str(r["snapshot_date"]), r["customer_id"]): (r["lifecycle_stage"], r["rfm_segment"])
        for r in three_buyers.rows("select * from marts.segment_history")
    }
    assert got == {
        ("2024-01-01", "A"): ("new", "hibernating"),
        ("2024-02-01", "A"): ("new", "at_risk"),
        ("2024-02-01", "B"): ("new", "about_to_sleep"),
        ("2024-03-01", "A"): ("new", "at_risk"),
        ("2024-03-01", "B"): ("new", "hibernating"),
        ("2024-03-01", "C"): ("new", "promising"),
    }


def test_migrations_by_hand(three_buyers: Build) -> None:
    got = sorted(
        (str(r["snapshot_date"]), r["segmentation"], r["from_segment"] or "", r["to_segment"], r["customers"])
        for r in three_buyers.rows("select * from marts.segment_migrations")
    )
    assert got == sorted([
        # Feb 1: A stays new and moves hibernating -> at_risk; B enters.
        ("2024-02-01", "lifecycle_stage", "new", "new", 1),
        ("2024-02-01", "lifecycle_stage", "", "new", 1),
        ("2024-02-01", "rfm_segment", "hibernating", "at_risk", 1),
        ("2024-02-01", "rfm_segment", "", "about_to_sleep", 1),
        # Mar 1: A and B stay new; C enters; A stays at_risk, B falls to hibernating.
        ("2024-03-01", "lifecycle_stage", "new", "new", 2),
        ("2024-03-01", "lifecycle_stage", "", "new", 1),
        ("2024-03-01", "rfm_segment", "at_risk", "at_risk", 1),
        ("2024-03-01", "rfm_segment", "about_to_sleep", "hibernating", 1),
        ("2024-03-01", "rfm_segment", "", "promising", 1),
    ])


def test_snapshot_equals_a_rebuild_on_that_day(demo_build: Build, build_shop: BuildShop) -> None:
    snapshots = [r["snapshot_date"] for r in demo_build.rows(
        "select distinct snapshot_date from marts.segment_history order by 1")]
    assert len(snapshots) == 24
    day = snapshots[len(snapshots) // 2]
    history = {
        r["customer_id"]: (r["rfm_segment"], r["lifecycle_stage"], r["r_score"], r["f_score"], r["m_score"])
        for r in demo_build.rows(
            "select * from marts.segment_history where snapshot_date = ?", [day])
    }
    rebuild = build_shop(DEMO_DIR, as_of_date=str(day), extra_args=["--select", "+customer_segments", "--indirect-selection", "buildable"])
    assert rebuild.success, rebuild.error_text()
    rebuilt = {
        r["customer_id"]: (r["rfm_segment"], r["lifecycle_stage"], r["r_score"], r["f_score"], r["m_score"])
        for r in rebuild.rows(
            "select s.customer_id, s.rfm_segment, s.lifecycle_stage, r.r_score, r.f_score, r.m_score "
            "from marts.customer_segments as s join marts.customer_rfm as r using (customer_id)")
    }
    assert len(history) > 500
    assert history == rebuilt
