"""customer_predictions, prediction_parameters and build_info (SPEC section 3), built with dbt.

- The CDNOW sample (tests/python/data/cdnow) as a raw orders.csv with as_of_date 1997-10-01:
  the build fits the published estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013) in
  days, and its per-buyer inputs equal the published summary.
- The Spark design on DuckDB: with clv_fit_in_dbt false the build leaves the fit to a separate
  step (`python -m kanta predict`), simulated here, and reads what it wrote.
- A crafted shop: build_info by hand, the order-day inputs by hand, and a shop too small for
  the models, whose predictions are null without failing the build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
import yaml

import kanta
from conftest import Build, run_dbt
from kanta import clv
from shops import ORDER_COLUMNS, order, write_csv

CDNOW_DIR = Path(__file__).parent / "data" / "cdnow"
CDNOW_AS_OF = "1997-10-01"
SELECT = [
    "--select", "+customer_predictions +prediction_parameters +build_info",
    "--indirect-selection", "buildable",
]

# Published estimates, time unit day (alpha 4.414 per week = 30.90 per day; log-likelihood
# -9582.4 in weeks = -14363.5 in days, the difference being sum(x) ln 7 = 2457 ln 7).
PUBLISHED = {
    ("bg_nbd", "r"): (0.243, 3),
    ("bg_nbd", "alpha"): (30.90, 2),
    ("bg_nbd", "a"): (0.793, 3),
    ("bg_nbd", "b"): (2.426, 3),
    ("gamma_gamma", "p"): (6.25, 2),
    ("gamma_gamma", "q"): (3.74, 2),
    ("gamma_gamma", "gamma"): (15.44, 2),
}


def write_cdnow_shop(raw: Path) -> None:
    """CDNOW_sample.txt (customer, yyyymmdd, CDs, dollars) as orders.csv, one order per line."""
    raw.mkdir(parents=True, exist_ok=True)
    lines = []
    for number, line in enumerate((CDNOW_DIR / "CDNOW_sample.txt").read_text().splitlines(), 1):
        _, customer, day, _cds, dollars = line.split()
        lines.append(f"o{number:05d},c{customer},{day[:4]}-{day[4:6]}-{day[6:]},{dollars}")
    write_csv(raw / "orders.csv", "order_id,customer_id,ordered_at,order_total", lines)


@pytest.fixture(scope="module")
def cdnow_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("cdnow") / "raw"
    write_cdnow_shop(raw)
    return raw


@pytest.fixture(scope="module")
def cdnow_build(cdnow_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    build = run_dbt(tmp_path_factory.mktemp("cdnow_build"), cdnow_raw, as_of_date=CDNOW_AS_OF,
                    extra_args=SELECT)
    assert build.success, build.error_text()
    yield build


def parameters(build: Build) -> dict[tuple[str, str], dict[str, Any]]:
    rows = build.rows("select * from marts.prediction_parameters")
    return {(row["model"], row["parameter"]): row for row in rows}


# --------------------------------------------------------------------------------------
# CDNOW
# --------------------------------------------------------------------------------------


def test_prediction_parameters_reproduce_published_estimates(cdnow_build: Build) -> None:
    fitted = parameters(cdnow_build)
    assert set(fitted) == set(PUBLISHED)
    for key, (published, digits) in PUBLISHED.items():
        assert round(fitted[key]["value"], digits) == published, key
        assert fitted[key]["fit_status"] == "ok"
    assert round(fitted[("bg_nbd", "r")]["log_likelihood"], 1) == -14363.5
    assert {fitted[("bg_nbd", p)]["buyers_fitted"] for p in "r alpha a b".split()} == {2357}
    assert {fitted[("gamma_gamma", p)]["buyers_fitted"] for p in ("p", "q", "gamma")} == {946}


def test_inputs_equal_the_published_summary(cdnow_build: Build) -> None:
    # x = order days - 1, t_x = last - first order day and T = (as_of_date - 1 day) - first
    # order day reproduce Hardie's summary (weeks, 2 decimals) for every customer: with
    # as_of_date 1997-10-01, T runs to 1997-09-30, so a buyer of 1997-01-01 has T = 272 days
    # = 38.86 weeks (the paper's "39 weeks" is the calendar length of the period).
    ours = {
        row["customer_id"]: row
        for row in cdnow_build.rows("select * from intermediate.int_customer_clv_inputs")
    }
    summary = (CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv").read_text().splitlines()
    assert len(ours) == len(summary) - 1 == 2357
    for line in summary[1:]:
        customer, x, t_x, T, zbar = line.split(",")
        row = ours[f"c{int(customer):04d}"]
        assert row["x"] == int(float(x))
        assert abs(row["t_x"] / 7 - float(t_x)) <= 0.005 + 1e-9
        assert abs(row["t"] / 7 - float(T)) <= 0.005 + 1e-9
        if row["x"] > 0:
            assert abs(row["repeat_mean_revenue"] - float(zbar)) <= 0.005 + 1e-9
        else:
            assert row["repeat_mean_revenue"] is None


def test_customer_predictions_follow_the_fitted_models(cdnow_build: Build) -> None:
    fitted = parameters(cdnow_build)
    bgnbd = clv.BgNbdParameters(*(fitted[("bg_nbd", p)]["value"] for p in ("r", "alpha", "a", "b")))
    spend = clv.GammaGammaParameters(*(fitted[("gamma_gamma", p)]["value"] for p in ("p", "q", "gamma")))
    rows = cdnow_build.rows("""
        select predictions.*, inputs.x, inputs.t_x, inputs.t, inputs.repeat_mean_revenue
        from marts.customer_predictions as predictions
        inner join intermediate.int_customer_clv_inputs as inputs
            on predictions.customer_id = inputs.customer_id
        order by predictions.customer_id
    """)
    assert len(rows) == 2357
    c0001 = rows[0]
    assert c0001["customer_id"] == "c0001" and (c0001["x"], c0001["t_x"], c0001["t"]) == (2, 213, 272)
    # P(alive) = 1 / (1 + a/(b + x - 1) ((alpha + T)/(alpha + t_x))^(r + x)).
    r, alpha, a, b = bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b
    p_alive = 1 / (1 + a / (b + 1) * ((alpha + 272) / (alpha + 213)) ** (r + 2))
    assert c0001["p_alive"] == pytest.approx(p_alive, rel=1e-12)
    # Expected average order value: p (gamma + x zbar) / (p x + q - 1), zbar = (29.73 + 14.96) / 2.
    value = spend.p * (spend.gamma + 2 * 22.345) / (spend.p * 2 + spend.q - 1)
    assert c0001["expected_avg_order_value"] == Decimal(str(round(value, 2)))

    x = np.array([row["x"] for row in rows], dtype=float)
    t_x = np.array([row["t_x"] for row in rows], dtype=float)
    T = np.array([row["t"] for row in rows], dtype=float)
    for horizon in (90, 365):
        expected = clv.bgnbd_conditional_expected_purchases(bgnbd, float(horizon), x, t_x, T)
        np.testing.assert_allclose([row[f"expected_orders_{horizon}d"] for row in rows], expected, rtol=1e-12)
    for row in rows:
        # A buyer without repeat order days is alive (BG/NBD) and gets the shop's mean value.
        if row["x"] == 0:
            assert row["p_alive"] == 1.0
            assert row["expected_avg_order_value"] == Decimal(str(round(spend.p * spend.gamma / (spend.q - 1), 2)))
        # predicted_clv_365d = expected_orders_365d x expected_avg_order_value (before rounding).
        assert abs(float(row["predicted_clv_365d"])
                   - row["expected_orders_365d"] * float(row["expected_avg_order_value"])) \
            <= 0.005 + 0.005 * row["expected_orders_365d"] + 1e-9
        band = "high" if row["p_alive"] < 0.3 else "medium" if row["p_alive"] < 0.7 else "low"
        assert row["churn_risk"] == band


def test_cdnow_build_info(cdnow_build: Build) -> None:
    info = cdnow_build.rows("select * from marts.build_info")
    assert len(info) == 1
    row = info[0]
    # Orders before 1997-10-01 only: 4,960 of the file's 6,919 lines.
    calibration = [
        line.split() for line in (CDNOW_DIR / "CDNOW_sample.txt").read_text().splitlines()
        if line.split()[2] < "19971001"
    ]
    assert row["as_of_date"] == dt.date(1997, 10, 1)
    assert row["buyers"] == 2357
    assert row["counted_orders"] == len(calibration) == 4960
    assert row["revenue"] == sum(Decimal(fields[4]) for fields in calibration)
    assert row["latest_order_at"] == dt.datetime(1997, 9, 30)
    assert row["engine"] == "duckdb"
    assert row["kanta_version"] == kanta.__version__


def test_kanta_version_is_one_number() -> None:
    # build_info.kanta_version is the dbt var kanta_version (dbt cannot import Python): it, the
    # dbt project's version and kanta.__version__ must agree.
    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())
    assert str(project["version"]) == kanta.__version__
    assert str((project.get("vars") or {}).get("kanta_version", kanta.__version__)) == kanta.__version__


# --------------------------------------------------------------------------------------
# the Spark design, exercised on DuckDB: the fit runs outside the build
# --------------------------------------------------------------------------------------


def run_predict_step(db_path: Path) -> None:
    """The DuckDB path of `python -m kanta predict`."""
    from kanta.predict import predict_duckdb

    predict_duckdb(db_path)


def test_fit_outside_the_build(cdnow_raw: Path, cdnow_build: Build, tmp_path: Path) -> None:
    step_vars = {"clv_fit_in_dbt": False, "churn_risk_high_below": 0.5, "churn_risk_medium_below": 0.9}
    first = run_dbt(tmp_path, cdnow_raw, as_of_date=CDNOW_AS_OF, variables=step_vars, extra_args=SELECT)
    assert first.success, first.error_text()
    # Before the step has run: null predictions, fit_status not_run, a warning, no failure.
    assert {row["fit_status"] for row in parameters(first).values()} == {"not_run"}
    assert first.rows("select churn_risk, count(*) as n, count(p_alive) as known "
                      "from marts.customer_predictions group by churn_risk") == [
        {"churn_risk": "unknown", "n": 2357, "known": 0},
    ]
    assert not first.scalar("select count(*) from information_schema.tables "
                            "where table_name = 'int_prediction_parameters'")

    run_predict_step(first.db_path)
    second = run_dbt(tmp_path, cdnow_raw, as_of_date=CDNOW_AS_OF, variables=step_vars, extra_args=[
        "--select", "int_prediction_parameters_loaded int_customer_predictions_loaded "
                    "prediction_parameters customer_predictions",
        "--indirect-selection", "cautious",
    ])
    assert second.success, second.error_text()
    # The same numbers as the fit inside the build.
    in_build, outside = parameters(cdnow_build), parameters(second)
    for key, row in in_build.items():
        assert outside[key]["value"] == pytest.approx(row["value"], rel=1e-12)
        assert outside[key]["fit_status"] == "ok"
    query = "select * from marts.customer_predictions order by customer_id"
    for ours, theirs in zip(second.rows(query), cdnow_build.rows(query), strict=True):
        assert ours["p_alive"] == pytest.approx(theirs["p_alive"], rel=1e-12)
        assert ours["expected_orders_365d"] == pytest.approx(theirs["expected_orders_365d"], rel=1e-12)
        assert ours["predicted_clv_365d"] == theirs["predicted_clv_365d"]
        # churn_risk with the cut-offs of the vars: high below 0.5, medium below 0.9.
        band = "high" if ours["p_alive"] < 0.5 else "medium" if ours["p_alive"] < 0.9 else "low"
        assert ours["churn_risk"] == band


# --------------------------------------------------------------------------------------
# a crafted shop: build_info and the inputs by hand, too small for the models
# --------------------------------------------------------------------------------------


def write_small_shop(raw: Path) -> None:
    """Five customers; 2024 is a leap year (February has 29 days)."""
    raw.mkdir(parents=True, exist_ok=True)
    write_csv(raw / "orders.csv", ORDER_COLUMNS, [
        order("A1", "A", "2024-01-10 09:00:00", "40.00"),
        order("A2", "A", "2024-01-10 18:00:00", "10.00"),   # same day as A1: one order day
        order("A3", "A", "2024-02-01 12:00:00", "30.00"),
        order("A4", "A", "2024-02-01 13:00:00", "20.00", refunded="5.00"),  # revenue 15
        order("A5", "A", "2024-03-01 10:00:00", "15.00"),
        order("B1", "B", "2024-02-15 08:30:00", "25.00"),
        order("C1", "C", "2024-02-20 11:00:00", "99.00", status="cancelled"),   # not counted
        order("D1", "D", "2024-03-05 23:59:59", "12.50"),
        order("E1", "E", "2024-03-10 10:00:00", "60.00"),   # on as_of_date 2024-03-10: ignored
    ])


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    work_dir = tmp_path_factory.mktemp("small_shop")
    write_small_shop(work_dir / "raw")
    build = run_dbt(work_dir / "build", work_dir / "raw", as_of_date="2024-03-10", extra_args=SELECT)
    assert build.success, build.error_text()
    yield build


def test_build_info_by_hand(small_build: Build) -> None:
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    assert small_build.rows("select * exclude (built_at) from marts.build_info") == [{
        "as_of_date": dt.date(2024, 3, 10),
        "engine": "duckdb",
        "kanta_version": kanta.__version__,
        "latest_order_at": dt.datetime(2024, 3, 5, 23, 59, 59),   # D1; E1 is on as_of_date
        "buyers": 3,                                               # A, B, D (C cancelled)
        "counted_orders": 7,                                       # A1-A5, B1, D1
        "revenue": Decimal("147.50"),   # 40 + 10 + 30 + (20 - 5) + 15 + 25 + 12.50
    }]
    built_at = small_build.scalar("select built_at from marts.build_info")
    # When the dbt invocation started, in UTC (dbt's run_started_at): minutes ago at most.
    assert started - dt.timedelta(minutes=30) <= built_at <= started


def test_build_info_default_as_of_date(tmp_path: Path) -> None:
    write_small_shop(tmp_path / "raw")
    build = run_dbt(tmp_path / "build", tmp_path / "raw", extra_args=[
        "--select", "+build_info", "--indirect-selection", "buildable",
    ])
    assert build.success, build.error_text()
    row = build.rows("select * from marts.build_info")[0]
    # The day after the latest counted order (E1, 2024-03-10), which now counts.
    assert row["as_of_date"] == dt.date(2024, 3, 11)
    assert row["latest_order_at"] == dt.datetime(2024, 3, 10, 10, 0, 0)
    assert (row["buyers"], row["counted_orders"], row["revenue"]) == (4, 8, Decimal("207.50"))


def test_inputs_count_order_days(small_build: Build) -> None:
    rows = small_build.rows("select * from intermediate.int_customer_clv_inputs order by customer_id")
    assert rows == [
        # Order days Jan 10 (50), Feb 1 (30 + 15 = 45), Mar 1 (15): x = 2; t_x = Jan 10 -> Mar 1
        # = 21 + 29 + 1 = 51 days; T = Jan 10 -> Mar 9 = 59 days; repeat mean (45 + 15) / 2.
        {"customer_id": "A", "x": 2, "t_x": 51, "t": 59, "repeat_mean_revenue": 30.0},
        {"customer_id": "B", "x": 0, "t_x": 0, "t": 23, "repeat_mean_revenue": None},
        # D bought on Mar 5: T = Mar 9 - Mar 5 = 4 days.
        {"customer_id": "D", "x": 0, "t_x": 0, "t": 4, "repeat_mean_revenue": None},
    ]


def test_shop_too_small_for_the_models_builds_with_null_predictions(small_build: Build) -> None:
    # 3 buyers (var clv_min_buyers, default 100) and 1 repeat buyer (clv_min_repeat_buyers, 20).
    fitted = parameters(small_build)
    assert {fitted[("bg_nbd", p)]["fit_status"] for p in ("r", "alpha", "a", "b")} == {"too_few_buyers"}
    assert {fitted[("gamma_gamma", p)]["fit_status"] for p in ("p", "q", "gamma")} == {"too_few_repeat_buyers"}
    assert all(row["value"] is None and row["log_likelihood"] is None for row in fitted.values())
    assert "3 buyers, fewer than the 100 needed" in fitted[("bg_nbd", "r")]["fit_message"]
    assert small_build.rows(
        "select customer_id, p_alive, expected_orders_90d, expected_orders_365d, "
        "expected_avg_order_value, predicted_clv_365d, churn_risk "
        "from marts.customer_predictions order by customer_id"
    ) == [
        {"customer_id": c, "p_alive": None, "expected_orders_90d": None, "expected_orders_365d": None,
         "expected_avg_order_value": None, "predicted_clv_365d": None, "churn_risk": "unknown"}
        for c in ("A", "B", "D")
    ]
