"""The HTML report, the docs site and the semantic layer (SPEC section 5).

The report of the demo shop must open in a browser without network: it names no external URL,
headless Chromium renders one <svg> per chart with every host unresolvable, and Chromium's own
network log shows no request made by the page. Tests that need Chromium skip, saying so, when no
Chromium is installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import html as html_text
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from conftest import DEMO_DIR, PROJECT_DIR, Build, run_dbt

if str(PROJECT_DIR) not in sys.path:   # the kanta package sits in the project root
    sys.path.insert(0, str(PROJECT_DIR))

from kanta.report import DEFAULT_ACTION, SEGMENT_ACTIONS, ReportResult, write_report  # noqa: E402

# Charts every build of the demo shop has; reactivation_audiences needs its mart.
CORE_CHARTS = {"cohort_retention", "rfm_grid", "rfm_segments", "lifecycle_stages",
               "retention_trend", "order_hours"}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome", "headless_shell")
BROWSER_BACKGROUND = "not an origin"   # NetLog initiator of the browser's own requests


@dataclass(frozen=True)
class Report:
    build: Build
    result: ReportResult
    html: str


@dataclass(frozen=True)
class DemoShop:
    build: Build
    raw_dir: Path


@pytest.fixture(scope="module")
def demo_shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    """The demo shop built with every test: data/demo, or a generated copy when it is absent."""
    if (DEMO_DIR / "orders.csv").is_file():
        return DemoShop(request.getfixturevalue("demo_build"), DEMO_DIR)
    raw = tmp_path_factory.mktemp("generated_demo")
    subprocess.run(
        [sys.executable, "-m", "kanta", "generate", "--customers", "3000", "--orders", "15000",
         "--seed", "42", "--format", "csv", "--out", str(raw), "--no-progress"],
        check=True, cwd=PROJECT_DIR,
    )
    build = run_dbt(tmp_path_factory.mktemp("generated_demo_build"), raw)
    assert build.success, build.error_text()
    return DemoShop(build, raw)


@pytest.fixture(scope="module")
def report_build(demo_shop: DemoShop) -> Build:
    return demo_shop.build


@pytest.fixture(scope="module")
def report(report_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("report") / "published" / "report.html"
    result = write_report(report_build.db_path, out)
    return Report(report_build, result, out.read_text(encoding="utf-8"))


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not found (Debian: apt-get install chromium); "
                "the browser checks of the report are skipped")


def dump_dom(page: Path, work: Path, net_log: Path | None = None, wait_ms: int = 0) -> str:
    """The DOM Chromium renders from a file, with every host name unresolvable."""
    args = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={work / 'profile'}",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    if net_log is not None:
        args.append(f"--log-net-log={net_log}")
    if wait_ms:
        args.append(f"--virtual-time-budget={wait_ms}")
    completed = subprocess.run([*args, "--dump-dom", page.resolve().as_uri()],
                               check=False, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def page_requests(net_log: Path) -> list[str]:
    """URLs of network requests started by the page (not by the browser's own services)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job
        and "url" in event.get("params", {})
        and event["params"].get("initiator") != BROWSER_BACKGROUND
    ]


def table_exists(build: Build, schema: str, table: str) -> bool:
    return bool(build.scalar(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ))


# --------------------------------------------------------------------------------------
# the HTML file
# --------------------------------------------------------------------------------------


def test_report_has_one_svg_per_chart(report: Report) -> None:
    charts = set(report.result.charts)
    assert CORE_CHARTS <= charts
    has_reactivation = table_exists(report.build, "marts", "reactivation_audience")
    assert ("reactivation_audiences" in charts) == has_reactivation
    assert report.html.count("<svg") == len(report.result.charts)
    assert set(re.findall(r'<svg class="chart" data-chart="([a-z_]+)"', report.html)) == charts


def test_report_shows_churn_risk_and_campaign_results(report: Report, report_build: Build) -> None:
    # The churn chart names every churn_risk band with its buyer count from the mart.
    from kanta.charts import format_number

    bands = report_build.rows(
        "select churn_risk as risk, count(*) as buyers from marts.customer_predictions group by all"
    )
    assert bands
    for band in bands:
        assert f"{band['risk']} ({format_number(float(band['buyers']), 0)} buyers)" in report.html
    assert "churn_risk" in report.result.charts
    # The campaign table: one row per result row shown (at most 12), newest due month first.
    section = report.html.split('<section id="campaign_results">', 1)[1].split("</section>", 1)[0]
    shown = section.count("<tr>") - 1
    results = report_build.scalar("select count(*) from marts.campaign_results")
    assert shown == min(12, results) and results > 0
    latest = str(report_build.scalar("select max(due_month) from marts.campaign_results"))[:7]
    assert latest in section


def test_report_names_no_external_resource(report: Report) -> None:
    html = report.html.lower()
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", html)
    for tag in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import"):
        assert tag not in html
    # The only url() references are the heatmaps' own gradients (#id).
    assert set(re.findall(r"url\(([^)]*)\)", html)) <= {
        value for value in re.findall(r"url\((#[^)]*)\)", html)}
    assert "content-security-policy" in html and "default-src 'none'" in html


def test_report_is_stamped_with_as_of_date(report: Report) -> None:
    as_of = report.build.scalar("select as_of_date from intermediate.int_as_of_date")
    assert report.result.as_of_date == as_of
    assert f"Data as of <b>{as_of.isoformat()}</b>" in report.html
    assert f"data as of {as_of.isoformat()}" in report.html   # the page title


def test_report_charts_have_titled_axes(report: Report) -> None:
    for title in ("Months since first order", "Cohort (month of first order)", "Frequency score",
                  "Recency score", "Hour of day", "Weekday", "Retention rate", "Period start"):
        assert f">{title}</text>" in report.html, title


def test_report_lists_largest_segments_with_an_action(report: Report) -> None:
    largest = report.build.rows(
        "select segment from marts.segment_summary where segmentation = 'rfm_segment' "
        "order by customers desc, segment limit 3"
    )
    table = report.html[report.html.index('id="segment_actions"'):]
    for row in largest:
        segment = row["segment"]
        assert f"<td>{segment}</td>" in table
        assert html_text.escape(SEGMENT_ACTIONS.get(segment, DEFAULT_ACTION)) in table


def test_report_leaves_out_charts_whose_mart_is_missing(report_build: Build, tmp_path: Path) -> None:
    """A file with customer marts only: the other charts become notes, missing marts listed."""
    partial = tmp_path / "partial.duckdb"
    con = duckdb.connect(str(report_build.db_path))   # shares the build's database if open
    try:
        con.execute(f"attach '{partial}' as partial")
        con.execute("create schema partial.marts")
        for table in ("customer_facts", "customer_rfm", "segment_summary"):
            con.execute(f"create table partial.marts.{table} as select * from marts.{table}")
        con.execute("detach partial")
    finally:
        con.close()
    out = tmp_path / "report.html"
    result = write_report(partial, out)
    html = out.read_text(encoding="utf-8")
    assert set(result.charts) == {"rfm_grid", "rfm_segments", "lifecycle_stages"}
    assert html.count("<svg") == 3
    assert "cohort_retention" in result.missing_charts
    assert "Not available: marts.cohort_retention is missing" in html
    assert "cohort_retention" in result.missing_marts and "customer_rfm" not in result.missing_marts
    assert "specification not in this build:" in html and "retention_rates" in html


# --------------------------------------------------------------------------------------
# in a browser without network
# --------------------------------------------------------------------------------------


def test_chromium_renders_every_chart_without_network(report: Report, tmp_path: Path) -> None:
    net_log = tmp_path / "net-log.json"
    dom = dump_dom(report.result.path, tmp_path, net_log)
    rendered = re.findall(r'<svg class="chart" data-chart="([a-z_]+)"', dom)
    assert sorted(rendered) == sorted(report.result.charts)
    assert dom.count("<svg") == len(report.result.charts)
    assert "<rect" in dom and "<polyline" in dom
    assert page_requests(net_log) == []


def test_network_log_would_show_a_page_request(tmp_path: Path) -> None:
    """The check above can fail: a page that loads an image shows up in the network log."""
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><img src="https://example.invalid/pixel.png">',
                    encoding="utf-8")
    net_log = tmp_path / "net-log.json"
    dump_dom(page, tmp_path, net_log)
    assert page_requests(net_log) == ["https://example.invalid/pixel.png"]


# --------------------------------------------------------------------------------------
# docs and the semantic layer
# --------------------------------------------------------------------------------------


def dbt_invoke(args: list[str], build: Build, target: Path) -> None:
    previous = os.environ.get("KANTA_DB")
    os.environ["KANTA_DB"] = str(build.db_path)
    try:
        result = dbtRunner().invoke([
            *args,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR / "profiles"),
            "--target-path", str(target),
            "--log-path", str(target / "logs"),
            "--quiet",
        ])
    finally:
        if previous is None:
            os.environ.pop("KANTA_DB", None)
        else:
            os.environ["KANTA_DB"] = previous
    assert result.success, result.exception


@pytest.fixture(scope="module")
def docs_target(demo_shop: DemoShop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    target = tmp_path_factory.mktemp("docs_target")
    dbt_invoke(["docs", "generate", "--static", "--no-send-anonymous-usage-stats",
                "--vars", json.dumps({"raw_dir": str(demo_shop.raw_dir)})], demo_shop.build, target)
    yield target


def test_docs_generate_static_is_one_file_with_the_semantic_layer(docs_target: Path) -> None:
    page = docs_target / "static_index.html"
    assert page.is_file()
    text = page.read_text(encoding="utf-8")
    for name in ("order_facts", "metricflow_time_spine", "repeat_customer_rate",
                 "customer_report", "reactivation_emails", "bi_dashboard"):
        assert name in text, name


def test_docs_open_in_chromium_without_network(docs_target: Path, tmp_path: Path) -> None:
    net_log = tmp_path / "net-log.json"
    dom = dump_dom(docs_target / "static_index.html", tmp_path, net_log, wait_ms=10000)
    assert "ng-scope" in dom and "order_facts" in dom   # the docs app ran
    assert all(not url.startswith(("http://", "https://")) for url in page_requests(net_log))


def semantic_manifest(docs_target: Path) -> dict[str, object]:
    manifest: dict[str, object] = json.loads(
        (docs_target / "semantic_manifest.json").read_text(encoding="utf-8"))
    return manifest


def test_semantic_layer_has_the_metrics_of_the_spec(docs_target: Path) -> None:
    manifest = semantic_manifest(docs_target)
    metrics = {metric["name"]: metric for metric in manifest["metrics"]}  # type: ignore[index]
    for name in ("revenue", "buyers", "new_buyers", "average_order_value", "retention_rate",
                 "repeat_customer_rate"):
        assert name in metrics, name
    assert metrics["average_order_value"]["type"] == "ratio"
    assert metrics["repeat_customer_rate"]["type"] == "ratio"
    spines = manifest["project_configuration"]["time_spines"]  # type: ignore[index]
    assert [spine["primary_column"]["name"] for spine in spines] == ["date_day"]


def test_metric_filters_name_existing_dimensions(docs_target: Path) -> None:
    """Every Dimension('entity__name') in a filter is a dimension of a semantic model whose
    primary entity is that entity (dbt parse does not check this; MetricFlow would at query
    time)."""
    manifest = semantic_manifest(docs_target)
    known = set()
    for model in manifest["semantic_models"]:  # type: ignore[attr-defined]
        primary = [entity["name"] for entity in model["entities"] if entity["type"] == "primary"]
        for dimension in model["dimensions"]:
            known.update(f"{entity}__{dimension['name']}" for entity in primary)
    text = json.dumps(manifest["metrics"])
    referenced = set(re.findall(r"Dimension\('([a-z_]+)'\)", text))
    assert referenced and referenced <= known


def test_time_spine_covers_every_order_day(report_build: Build) -> None:
    assert report_build.scalar(
        "select count(*) from marts.order_facts where order_date not in "
        "(select date_day from semantic.metricflow_time_spine)"
    ) == 0
    first, days, distinct_days, span = report_build.rows(
        "select min(date_day), count(*), count(distinct date_day), "
        "max(date_day) - min(date_day) + 1 from semantic.metricflow_time_spine"
    )[0].values()
    assert days == distinct_days == span   # one row per day, no gaps
    assert first.isoweekday() == 1
