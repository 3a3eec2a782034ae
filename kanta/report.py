"""The marketer's report: one static HTML file with inline SVG charts (SPEC section 5).

`write_report(db_path, out_path)` reads the marts of a built DuckDB file (the working
`kanta.duckdb` or the published `published/kanta.duckdb`) and writes `published/report.html`:
key figures, cohort retention, the RFM grid, segment sizes and revenue shares, the
retention-rate trend, the order-time heatmap, the reactivation audiences, and the largest RFM
segments with a suggested action each. The file has no script and no external reference (a
Content-Security-Policy forbids any), so it opens in a browser without network.

Charts whose marts are absent are left out with a note, and the report lists the marts of SPEC
section 3 that the build does not have.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from kanta import __version__, charts
from kanta.charts import Cell, HeatmapPanel, format_number, format_percent

# What to do with each RFM segment of the default map (seed rfm_segment_map), shown beside the
# largest segments. Edit the texts here; a segment not listed gets DEFAULT_ACTION.
SEGMENT_ACTIONS: dict[str, str] = {
    "champions": "Reward, don't discount: early access, referral asks, reviews.",
    "loyal": "Upsell and cross-sell; invite to the loyalty tier.",
    "potential_loyalist": "Recommend a second category; offer membership or loyalty perks.",
    "new_customers": "Onboarding series; give a reason for the second order.",
    "promising": "Show bestsellers; a light incentive for the next order.",
    "need_attention": "Personal recommendations with a time-limited offer.",
    "about_to_sleep": "Win back early: popular products and a small discount.",
    "at_risk": "Personal win-back campaign with a meaningful offer.",
    "cant_lose_them": "Best offer and a personal touch; ask what went wrong.",
    "hibernating": "One low-cost reactivation attempt, then suppress to protect deliverability.",
}
DEFAULT_ACTION = "Review the segment's orders and pick an offer."

# The marts of SPEC section 3; the report says which of them the build lacks.
SPEC_MARTS: tuple[str, ...] = (
    "build_info", "customer_facts", "customer_rfm", "customer_segments", "customer_profiles",
    "segment_summary", "cohort_retention", "retention_rates", "segment_history",
    "segment_migrations", "reactivation_audience", "campaign_results", "quarterly_rewards",
    "send_time_preferences", "order_time_profile", "life_event_signals", "gift_anniversaries",
    "replenishment_candidates", "product_affinities", "category_affinities", "loyal_favourites",
    "segment_offers", "coupon_performance", "customer_predictions", "prediction_parameters",
)
MAX_COHORTS = 24
TOP_SEGMENTS = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REACTIVATION_ORDER = {"vip_lapsing": 0, "passive": 1, "new_at_risk": 2}


@dataclass(frozen=True)
class Section:
    """One chart of the report, or the reason it is missing."""

    chart_id: str
    title: str
    intro: str
    svg: str | None
    missing: str = ""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    as_of_date: date | None
    charts: tuple[str, ...]
    missing_charts: dict[str, str] = field(default_factory=dict)
    missing_marts: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------
# reading the database
# --------------------------------------------------------------------------------------


class Source:
    """A read-only connection with small helpers for optional tables."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        self.tables = {(str(schema), str(table)) for schema, table in rows}

    def has(self, schema: str, table: str) -> bool:
        return (schema, table) in self.tables

    def columns(self, schema: str, table: str) -> list[str]:
        rows = self.con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def marts(self) -> set[str]:
        return {table for schema, table in self.tables if schema == "marts"}


def connect_read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """Open db read-only; share the database when this process already has it open (a build
    run in-process just before), which DuckDB allows only with the same configuration."""
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(db))


def to_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def read_as_of_date(source: Source) -> date | None:
    """marts.build_info, else intermediate.int_as_of_date, else the publish facts."""
    for schema, table in (("marts", "build_info"), ("intermediate", "int_as_of_date"),
                          ("audit", "publish_info")):
        if source.has(schema, table) and "as_of_date" in source.columns(schema, table):
            found = source.rows(f'select max(as_of_date) from "{schema}"."{table}"')
            if found and found[0][0] is not None:
                return to_date(found[0][0])
    return None


def read_key_figures(source: Source) -> list[tuple[str, str]]:
    if not source.has("marts", "customer_facts"):
        return []
    buyers, orders, revenue, repeaters = source.rows(
        """
        select
            count(*),
            coalesce(sum(order_count), 0),
            coalesce(sum(total_revenue), 0),
            count(*) filter (where order_count >= 2)
        from marts.customer_facts
        """
    )[0]
    figures = [
        ("Buyers", format_number(buyers)),
        ("Orders", format_number(orders)),
        ("Revenue", format_number(revenue)),
        ("Average order value", format_number(float(revenue) / orders if orders else None)),
        ("Repeat customer rate", format_percent(repeaters / buyers if buyers else None)),
    ]
    return figures


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------


def cohort_section(source: Source) -> Section:
    chart_id, title = "cohort_retention", "Cohort retention"
    intro = (f"Share of each month's new buyers who bought again n months later (latest "
             f"{MAX_COHORTS} cohorts). Month 0 is always 100%.")
    if not source.has("marts", "cohort_retention"):
        return Section(chart_id, title, intro, None, "marts.cohort_retention is missing")
    rows = source.rows(
        f"""
        with latest as (
            select distinct cohort_month from marts.cohort_retention
            order by cohort_month desc limit {MAX_COHORTS}
        )
        select cohort_month, months_since_first, cohort_size, active_customers, retention_rate
        from marts.cohort_retention
        where cohort_month in (select cohort_month from latest)
        order by cohort_month, months_since_first
        """
    )
    if not rows:
        return Section(chart_id, title, intro, None, "marts.cohort_retention is empty")
    sizes = {day: int(row[2]) for row in rows if (day := to_date(row[0])) is not None}
    cohorts = sorted(sizes)
    months = max(int(row[1]) for row in rows) + 1
    grid: list[list[Cell | None]] = [[None] * months for _ in cohorts]
    index = {cohort: position for position, cohort in enumerate(cohorts)}
    for cohort_month, since, size, active, rate in rows:
        cohort = to_date(cohort_month)
        if cohort is None:
            continue
        value = float(rate or 0.0)
        tooltip = (f"{cohort:%Y-%m} cohort ({size} buyers), month {since}: "
                   f"{active} active, {format_percent(value)}")
        grid[index[cohort]][int(since)] = Cell(
            value=value, label=format_percent(value, 0), tooltip=tooltip, neutral=int(since) == 0
        )
    panel = HeatmapPanel(
        title="",
        row_labels=[f"{cohort:%Y-%m} (n={sizes[cohort]})" for cohort in cohorts],
        col_labels=[str(month) for month in range(months)],
        cells=grid,
        scale_caption="retention (months 1+)",
        value_format="percent",
    )
    svg = charts.heatmap(chart_id, title, [panel], x_title="Months since first order",
                         y_title="Cohort (month of first order)", cell_width=34, cell_height=20,
                         label_every=1 if months <= 24 else 3)
    return Section(chart_id, title, intro, svg)


def rfm_section(source: Source) -> Section:
    chart_id, title = "rfm_grid", "RFM grid"
    intro = ("Buyers and their revenue by recency score (rows, 5 = most recent) and frequency "
             "score (columns, 5 = most orders); each cell names its segment.")
    if not source.has("marts", "customer_rfm"):
        return Section(chart_id, title, intro, None, "marts.customer_rfm is missing")
    rows = source.rows(
        """
        select r_score, f_score, count(*), coalesce(sum(monetary), 0), mode(rfm_segment)
        from marts.customer_rfm
        group by r_score, f_score
        """
    )
    cells = {(int(r), int(f)): (int(n), float(revenue), str(segment))
             for r, f, n, revenue, segment in rows}
    r_scores, f_scores = [5, 4, 3, 2, 1], [1, 2, 3, 4, 5]

    def panel(name: str, pick: int) -> HeatmapPanel:
        grid: list[list[Cell | None]] = []
        for r in r_scores:
            row: list[Cell | None] = []
            for f in f_scores:
                found = cells.get((r, f))
                if found is None:   # tied scores can leave a score unused
                    row.append(Cell(value=0.0, label="0", tooltip=f"R{r} F{f}: no buyers"))
                    continue
                value = float(found[pick])
                tooltip = (f"R{r} F{f} ({found[2]}): {format_number(found[0])} buyers, "
                           f"revenue {format_number(found[1])}")
                row.append(Cell(value=value, label=format_number(value), tooltip=tooltip,
                                note=found[2].replace("_", " ")[:20]))
            grid.append(row)
        return HeatmapPanel(title=name, row_labels=[f"R{r}" for r in r_scores],
                            col_labels=[f"F{f}" for f in f_scores], cells=grid,
                            scale_caption=name.lower())

    svg = charts.heatmap(chart_id, title, [panel("Buyers", 0), panel("Revenue", 1)],
                         x_title="Frequency score", y_title="Recency score",
                         cell_width=104, cell_height=44)
    return Section(chart_id, title, intro, svg)


def segment_section(source: Source, segmentation: str, chart_id: str, title: str) -> Section:
    intro = (f"Share of buyers and share of revenue per {segmentation.replace('_', ' ')}; "
             "buyers in brackets.")
    if not source.has("marts", "segment_summary"):
        return Section(chart_id, title, intro, None, "marts.segment_summary is missing")
    rows = source.rows(
        """
        select segment, customers, share_of_customers, share_of_revenue
        from marts.segment_summary
        where segmentation = ?
        order by customers desc, segment
        """,
        [segmentation],
    )
    if not rows:
        return Section(chart_id, title, intro, None, f"no {segmentation} rows in segment_summary")
    categories = [f"{segment} ({format_number(customers)})" for segment, customers, _, _ in rows]
    svg = charts.bar_chart(
        chart_id, title, categories,
        [("Share of buyers", [float(row[2] or 0) for row in rows]),
         ("Share of revenue", [float(row[3] or 0) for row in rows])],
        x_title="Share of all buyers / of all revenue", y_title="Segment",
        value_format="percent",
    )
    return Section(chart_id, title, intro, svg)


def retention_trend_section(source: Source) -> Section:
    chart_id, title = "retention_trend", "Retention-rate trend"
    intro = ("Share of a period's buyers who bought again in the next period, by month and by "
             "quarter (periods whose next period is not complete yet are left out).")
    if not source.has("marts", "retention_rates"):
        return Section(chart_id, title, intro, None, "marts.retention_rates is missing")
    rows = source.rows(
        """
        select period_grain, period_start, retention_rate
        from marts.retention_rates
        where period_grain in ('month', 'quarter') and retention_rate is not null
        order by period_grain, period_start
        """
    )
    if not rows:
        return Section(chart_id, title, intro, None, "no complete periods yet")
    series = []
    for grain, name in (("month", "Month to next month"), ("quarter", "Quarter to next quarter")):
        points = [(to_date(start), float(rate)) for g, start, rate in rows if g == grain]
        series.append((name, [(day, rate) for day, rate in points if day is not None]))
    svg = charts.line_chart(chart_id, title, series, x_title="Period start",
                            y_title="Retention rate", value_format="percent")
    return Section(chart_id, title, intro, svg)


def pick_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    return next((name for name in names if name in columns), None)


def order_time_rows(source: Source) -> tuple[list[tuple[int, int, int]], str] | None:
    """(ISO weekday, hour, orders) from marts.order_time_profile, else from counted orders."""
    if source.has("marts", "order_time_profile"):
        columns = source.columns("marts", "order_time_profile")
        weekday = pick_column(columns, ("weekday", "order_weekday", "iso_weekday", "day_of_week"))
        hour = pick_column(columns, ("hour", "order_hour", "hour_of_day"))
        orders = pick_column(columns, ("orders", "order_count"))
        if weekday and hour and orders:
            rows = source.rows(
                f'select "{weekday}", "{hour}", sum("{orders}") from marts.order_time_profile '
                "group by 1, 2"
            )
            return [(int(w), int(h), int(n)) for w, h, n in rows], "marts.order_time_profile"
    for schema, table, where in (("intermediate", "int_orders_counted", "true"),
                                 ("staging", "stg_shop__orders", "is_counted")):
        if source.has(schema, table):
            rows = source.rows(
                f"select isodow(ordered_at), hour(ordered_at), count(*) "
                f'from "{schema}"."{table}" where {where} and ordered_at is not null group by 1, 2'
            )
            return [(int(w), int(h), int(n)) for w, h, n in rows], f"{schema}.{table}"
    return None


def order_time_section(source: Source) -> Section:
    chart_id, title = "order_hours", "When customers order"
    found = order_time_rows(source)
    if found is None:
        return Section(chart_id, title, "Counted orders by weekday and hour of day.", None,
                       "marts.order_time_profile is missing (and no staging orders to count)")
    rows, origin = found
    intro = f"Counted orders by weekday and hour of day, shop-local time (from {origin})."
    counts = {(weekday, hour): orders for weekday, hour, orders in rows}
    grid: list[list[Cell | None]] = []
    for weekday in range(1, 8):
        row: list[Cell | None] = []
        for hour in range(24):
            orders = counts.get((weekday, hour), 0)
            row.append(Cell(value=float(orders), label="",
                            tooltip=f"{WEEKDAYS[weekday - 1]} {hour:02d}:00: {orders} orders"))
        grid.append(row)
    panel = HeatmapPanel(title="", row_labels=list(WEEKDAYS),
                         col_labels=[f"{hour:02d}" for hour in range(24)], cells=grid,
                         scale_caption="orders")
    svg = charts.heatmap(chart_id, title, [panel], x_title="Hour of day",
                         y_title="Weekday", cell_width=28, cell_height=24, show_labels=False)
    return Section(chart_id, title, intro, svg)


def reactivation_section(source: Source) -> Section:
    chart_id, title = "reactivation_audiences", "Reactivation audiences"
    intro = ("Eligible buyers per automation and wave (months since the last order): who "
             "will be sent the campaign, who is held out as the control group, and who cannot "
             "be emailed (no consent).")
    if not source.has("marts", "reactivation_audience"):
        return Section(chart_id, title, intro, None, "marts.reactivation_audience is missing")
    rows = source.rows(
        """
        select
            automation,
            wave,
            count(*) filter (where is_marketable and not is_control),
            count(*) filter (where is_marketable and is_control),
            count(*) filter (where not is_marketable)
        from marts.reactivation_audience
        group by automation, wave
        """
    )
    if not rows:
        return Section(chart_id, title, intro, None, "marts.reactivation_audience is empty")
    rows.sort(key=lambda row: (REACTIVATION_ORDER.get(str(row[0]), 9), str(row[0]), row[1]))
    categories = [f"{automation} · wave {wave}" for automation, wave, *_ in rows]
    svg = charts.bar_chart(
        chart_id, title, categories,
        [("To send", [float(row[2]) for row in rows]),
         ("Hold-out (control)", [float(row[3]) for row in rows]),
         ("Not marketable", [float(row[4]) for row in rows])],
        x_title="Buyers", y_title="Automation and wave", stacked=True,
        colors=("#1f5fa8", "#e07b39", "#aab4c0"),
    )
    return Section(chart_id, title, intro, svg)


CHURN_ORDER = {"high": 0, "medium": 1, "low": 2, "unknown": 3}


def churn_section(source: Source) -> Section:
    chart_id, title = "churn_risk", "Churn risk and predicted value"
    intro = ("Buyers by churn risk (from P(alive), BG/NBD) and the revenue the prediction "
             "models expect from them in the next 365 days (BG/NBD x Gamma-Gamma). A buyer "
             "with one order day is never high risk: read their expected orders instead.")
    if not source.has("marts", "customer_predictions"):
        return Section(chart_id, title, intro, None, "marts.customer_predictions is missing")
    rows = source.rows(
        """
        select churn_risk, count(*), coalesce(sum(predicted_clv_365d), 0)
        from marts.customer_predictions
        group by churn_risk
        """
    )
    if not rows:
        return Section(chart_id, title, intro, None, "marts.customer_predictions is empty")
    rows.sort(key=lambda row: CHURN_ORDER.get(str(row[0]), 9))
    categories = [f"{risk} ({charts.format_number(float(buyers), 0)} buyers)"
                  for risk, buyers, _ in rows]
    svg = charts.bar_chart(
        chart_id, title, categories,
        [("Predicted revenue, next 365 days", [float(row[2]) for row in rows])],
        x_title="Predicted revenue, next 365 days", y_title="Churn risk",
    )
    return Section(chart_id, title, intro, svg)


SECTIONS: tuple[Callable[[Source], Section], ...] = (
    cohort_section,
    rfm_section,
    lambda source: segment_section(source, "rfm_segment", "rfm_segments", "RFM segments"),
    lambda source: segment_section(source, "lifecycle_stage", "lifecycle_stages",
                                   "Lifecycle stages"),
    retention_trend_section,
    order_time_section,
    reactivation_section,
    churn_section,
)


# --------------------------------------------------------------------------------------
# the campaign results table
# --------------------------------------------------------------------------------------

CAMPAIGN_HEADERS = ("Automation", "Wave", "Due month", "Treated", "Control",
                    "Treated conversion", "Control conversion", "Lift", "95% interval",
                    "Significant", "Incremental revenue")


def campaign_rows(source: Source, limit: int = 12) -> list[list[str]] | None:
    """The latest closed campaign windows, newest first; None without the mart."""
    if not source.has("marts", "campaign_results"):
        return None
    rows = source.rows(
        f"""
        select automation, wave, due_month, treated_customers, control_customers,
            treated_conversion_rate, control_conversion_rate, absolute_lift,
            lift_ci_lower, lift_ci_upper, is_significant, incremental_revenue
        from marts.campaign_results
        order by due_month desc, automation, wave
        limit {int(limit)}
        """
    )
    table = []
    for (automation, wave, due_month, treated, control, treated_rate, control_rate, lift,
         lower, upper, significant, incremental) in rows:
        interval = ("–" if lower is None or upper is None
                    else f"{charts.format_percent(float(lower))} to {charts.format_percent(float(upper))}")
        table.append([
            str(automation), str(wave), str(due_month)[:7],
            charts.format_number(float(treated), 0), charts.format_number(float(control), 0),
            charts.format_percent(None if treated_rate is None else float(treated_rate)),
            charts.format_percent(None if control_rate is None else float(control_rate)),
            charts.format_percent(None if lift is None else float(lift)),
            interval, "yes" if significant else "no",
            charts.format_number(None if incremental is None else float(incremental), 0),
        ])
    return table


def render_campaign_table(rows: Sequence[Sequence[str]] | None) -> str:
    title = '<section id="campaign_results"><h2>Campaign results</h2>'
    if rows is None:
        return title + '<div class="missing">Not available: marts.campaign_results is missing.</div></section>'
    intro = ("<p>Customers due in each automation and wave, split into treated and the "
             "hold-out control group, with conversion within the window; the lift is treated "
             "minus control conversion with its 95% interval. Closed windows only.</p>")
    head = "".join(f'<th{"" if i < 3 else " class=num"}>{escape(name)}</th>'
                   for i, name in enumerate(CAMPAIGN_HEADERS))
    body = "".join(
        "<tr>" + "".join(f'<td{"" if i < 3 else " class=num"}>{escape(value)}</td>'
                         for i, value in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (f"{title}{intro}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "</section>")


# --------------------------------------------------------------------------------------
# the segment table
# --------------------------------------------------------------------------------------


def segment_rows(source: Source) -> list[list[str]]:
    """The largest RFM segments with their marketable buyers and a suggested action."""
    if not source.has("marts", "segment_summary"):
        return []
    has_reach = source.has("marts", "customer_segments") and source.has("marts", "customer_facts")
    reach_sql = (
        """
        select segments.rfm_segment, count(*) filter (where facts.is_marketable)
        from marts.customer_segments as segments
        inner join marts.customer_facts as facts on segments.customer_id = facts.customer_id
        group by segments.rfm_segment
        """
    )
    reach = {str(segment): int(count) for segment, count in source.rows(reach_sql)} if has_reach else {}
    rows = source.rows(
        f"""
        select segment, customers, share_of_customers, share_of_revenue, revenue_last_365d,
               avg_order_value
        from marts.segment_summary
        where segmentation = 'rfm_segment'
        order by customers desc, segment
        limit {TOP_SEGMENTS}
        """
    )
    table: list[list[str]] = []
    for segment, customers, share, revenue_share, revenue_365, aov in rows:
        table.append([
            str(segment),
            format_number(customers),
            format_percent(share),
            format_percent(revenue_share),
            format_number(revenue_365),
            format_number(aov),
            format_number(reach[str(segment)]) if str(segment) in reach else "–",
            SEGMENT_ACTIONS.get(str(segment), DEFAULT_ACTION),
        ])
    return table


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
       color: #1f2933; background: #f7f9fb; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
.stamp { color: #5f6b7a; margin: 0 0 20px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 8px; }
.figure { background: #fff; border: 1px solid #e3e8ef; border-radius: 8px; padding: 10px 16px;
          min-width: 150px; }
.figure b { display: block; font-size: 22px; }
.figure span { color: #5f6b7a; font-size: 13px; }
section { background: #fff; border: 1px solid #e3e8ef; border-radius: 8px; padding: 16px 20px;
          margin-top: 18px; overflow-x: auto; }
section h2 { font-size: 18px; margin: 0 0 4px; }
section p { color: #5f6b7a; margin: 0 0 12px; font-size: 14px; }
.missing { background: #fff8e6; border: 1px dashed #e0b74a; padding: 10px 14px; color: #6b5200; }
table { border-collapse: collapse; font-size: 14px; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e8ef; vertical-align: top; }
th.num { text-align: right; }
td.num { text-align: right; white-space: nowrap; }
td.action { min-width: 220px; }
footer { color: #5f6b7a; font-size: 13px; margin-top: 24px; }
"""

# Nothing may be loaded: no scripts, no fonts, no images from anywhere.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render_figures(figures: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<div class="figure"><b>{escape(value)}</b><span>{escape(name)}</span></div>'
                    for name, value in figures)
    return f'<div class="figures">{items}</div>' if figures else ""


def render_section(section: Section) -> str:
    body = section.svg if section.svg is not None else (
        f'<div class="missing">Not available: {escape(section.missing)}.</div>'
    )
    return (f'<section id="{escape(section.chart_id)}"><h2>{escape(section.title)}</h2>'
            f"<p>{escape(section.intro)}</p>{body}</section>")


SEGMENT_HEADERS = ("RFM segment", "Buyers", "Share of buyers", "Share of revenue",
                   "Revenue, last 365 days", "Average order value", "Marketable",
                   "Suggested action")


def cell_class(index: int) -> str:
    """Numbers right-aligned; the action column wide enough to read."""
    if index == len(SEGMENT_HEADERS) - 1:
        return ' class="action"'
    return ' class="num"' if index > 0 else ""


def render_segment_table(rows: Sequence[Sequence[str]]) -> str:
    title = '<section id="segment_actions"><h2>Largest segments and what to do</h2>'
    if not rows:
        return (title + '<div class="missing">Not available: marts.segment_summary is missing.'
                "</div></section>")
    head = "".join(f"<th{cell_class(i)}>{escape(name)}</th>" for i, name in enumerate(SEGMENT_HEADERS))
    body = "".join(
        "<tr>" + "".join(f"<td{cell_class(i)}>{escape(value)}</td>" for i, value in enumerate(row))
        + "</tr>"
        for row in rows
    )
    intro = ("<p>The largest RFM segments. Suggested actions are a starting point (edit "
             "SEGMENT_ACTIONS in kanta/report.py); Marketable counts the buyers with consent.</p>")
    return (f"{title}{intro}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            "</section>")


def render_html(
    as_of_date: date | None,
    figures: Sequence[tuple[str, str]],
    sections: Sequence[Section],
    segment_table: Sequence[Sequence[str]],
    missing_marts: Sequence[str],
    db_name: str,
    campaign_table: Sequence[Sequence[str]] | None = None,
) -> str:
    as_of = as_of_date.isoformat() if as_of_date else "unknown"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    missing = (", ".join(missing_marts) if missing_marts else "none")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kanta report – data as of {escape(as_of)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Customer report</h1>
<p class="stamp">Data as of <b>{escape(as_of)}</b> (counted orders before this day) ·
generated {escape(generated)} from {escape(db_name)} · kanta {escape(__version__)}</p>
</header>
{render_figures(figures)}
{"".join(render_section(section) for section in sections)}
{render_segment_table(segment_table)}
{render_campaign_table(campaign_table)}
<footer>
<p>Money is revenue in the shop's currency (order total minus refunds). Marts of the
specification not in this build: {escape(missing)}.</p>
</footer>
</main>
</body>
</html>
"""


def write_report(db_path: str | Path, out_path: str | Path = "published/report.html") -> ReportResult:
    """Read the marts of `db_path` and write the HTML report to `out_path` (atomically)."""
    db = Path(db_path)
    if not db.is_file():
        raise FileNotFoundError(f"{db}: no built DuckDB file; run the build first")
    con = connect_read_only(db)
    try:
        source = Source(con)
        as_of_date = read_as_of_date(source)
        figures = read_key_figures(source)
        sections = [make(source) for make in SECTIONS]
        segment_table = segment_rows(source)
        campaign_table = campaign_rows(source)
        missing_marts = tuple(name for name in SPEC_MARTS if name not in source.marts())
    finally:
        con.close()
    html = render_html(as_of_date, figures, sections, segment_table, missing_marts, db.name,
                       campaign_table)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temp.write_text(html, encoding="utf-8")
    os.replace(temp, out)
    return ReportResult(
        path=out,
        as_of_date=as_of_date,
        charts=tuple(section.chart_id for section in sections if section.svg is not None),
        missing_charts={s.chart_id: s.missing for s in sections if s.svg is None},
        missing_marts=missing_marts,
    )


# --------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------


def add_report_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "report",
        help="write the offline HTML report with charts (published/report.html)",
        description=(
            "Read the marts of a built DuckDB file and write one static HTML file with inline "
            "SVG charts: cohort retention, RFM grid, segments, retention trend, order hours, "
            "reactivation audiences, and the largest segments with a suggested action. It "
            "loads nothing from the network."
        ),
    )
    parser.add_argument("--db", type=Path, default=None, metavar="FILE",
                        help="the built DuckDB file, e.g. published/kanta.duckdb "
                             "(default: $KANTA_DB or kanta.duckdb)")
    parser.add_argument("--out", type=Path, default=Path("published/report.html"), metavar="FILE",
                        help="where to write the report (default: %(default)s)")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    db = args.db or Path(os.environ.get("KANTA_DB", "kanta.duckdb"))
    try:
        result = write_report(db, args.out)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"kanta report: error: {exc}", file=sys.stderr)
        return 1
    charts_text = ", ".join(result.charts) or "none"
    print(f"wrote {result.path} (charts: {charts_text})", file=sys.stderr)
    for chart_id, reason in result.missing_charts.items():
        print(f"  left out {chart_id}: {reason}", file=sys.stderr)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `report`."""
    add_report_parser(subparsers)
