"""Small inline SVG charts for the HTML report: heatmaps, bar charts and line charts.

Every function returns one `<svg class="chart" data-chart="...">` element as text, with a title
for screen readers, titled axes, and a `<title>` tooltip on every mark. No scripts, no fonts, no
external references: the SVG is drawn entirely here, so the report opens without network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
TEXT = "#1f2933"
MUTED = "#5f6b7a"
GRID = "#e3e8ef"
EMPTY = "#f4f6f8"
NEUTRAL = "#c9d1db"
# Sequential scale (light to dark blue) and a categorical palette for series.
SEQUENTIAL = ("#f2f7fd", "#c9ddf2", "#8fbbe3", "#4a90cc", "#1f5fa8", "#0b3470")
SERIES = ("#1f5fa8", "#e07b39", "#3a9a5b", "#8e5ba8", "#c23b3b", "#6b7785")


# --------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------


def format_number(value: float | None, digits: int = 1) -> str:
    """Readable counts and money: 950, 12.3k, 4.56M (no currency: the shop's own)."""
    if value is None:
        return "–"
    number = float(value)
    size = abs(number)
    if size >= 1_000_000_000:
        return f"{number / 1_000_000_000:.{digits + 1}f}B"
    if size >= 1_000_000:
        return f"{number / 1_000_000:.{digits + 1}f}M"
    if size >= 10_000:
        return f"{number / 1_000:.{digits}f}k"
    if size >= 1_000 or number == int(number):
        return f"{number:,.0f}"
    return f"{number:,.{digits + 1}f}"


def format_percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * float(value):.{digits}f}%"


def nice_step(span: float, target_ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^k) giving about target_ticks ticks over span."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def nice_ticks(max_value: float, target_ticks: int = 5) -> list[float]:
    """Ticks from 0 to at least max_value in round steps."""
    step = nice_step(max_value, target_ticks)
    count = max(1, math.ceil(max_value / step - 1e-9))
    return [step * index for index in range(count + 1)]


# --------------------------------------------------------------------------------------
# colours and SVG text
# --------------------------------------------------------------------------------------


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def sequential_color(fraction: float) -> str:
    """Colour of a value at `fraction` (0..1) of the scale."""
    t = min(1.0, max(0.0, fraction)) * (len(SEQUENTIAL) - 1)
    low = min(int(t), len(SEQUENTIAL) - 2)
    local = t - low
    a, b = hex_to_rgb(SEQUENTIAL[low]), hex_to_rgb(SEQUENTIAL[low + 1])
    mixed = (round(x + (y - x) * local) for x, y in zip(a, b))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def ink_for(fraction: float) -> str:
    """Text colour that stays readable on sequential_color(fraction)."""
    return "#ffffff" if fraction > 0.55 else TEXT


def text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start",
         color: str = TEXT, weight: str = "normal", rotate: float | None = None) -> str:
    transform = f' transform="rotate({rotate:g} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}" font-weight="{weight}"{transform}>{escape(content)}</text>'
    )


def rect(x: float, y: float, width: float, height: float, fill: str, tooltip: str = "",
         stroke: str = "none") -> str:
    title = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(0.0, width):.1f}" '
        f'height="{max(0.0, height):.1f}" fill="{fill}" stroke="{stroke}">{title}</rect>'
    )


def svg(chart_id: str, title: str, width: float, height: float, body: Sequence[str]) -> str:
    """The chart's root element (inline SVG in HTML needs no namespace attribute)."""
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" style="{FONT}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def label_width(labels: Sequence[str], size: int = 12) -> float:
    """Rough width of the longest label (no font metrics offline)."""
    return max((len(label) for label in labels), default=0) * size * 0.58


def legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    """Swatch + name pairs in one row."""
    parts: list[str] = []
    for name, color in items:
        parts.append(rect(x, y - 10, 12, 12, color))
        parts.append(text(x + 17, y, name, size=12))
        x += 17 + label_width([name]) + 22
    return parts


def gradient_legend(chart_id: str, x: float, y: float, width: float, low: str, high: str,
                    caption: str) -> list[str]:
    """A colour bar from the lowest to the highest value of a heatmap panel."""
    gradient_id = f"{chart_id}-scale-{int(x)}"
    stops = "".join(
        f'<stop offset="{index / (len(SEQUENTIAL) - 1):.2f}" stop-color="{color}"/>'
        for index, color in enumerate(SEQUENTIAL)
    )
    return [
        f'<defs><linearGradient id="{escape(gradient_id)}">{stops}</linearGradient></defs>',
        (f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="10" '
         f'fill="url(#{escape(gradient_id)})" stroke="{GRID}"/>'),
        text(x, y + 24, low, size=11, color=MUTED),
        text(x + width, y + 24, high, size=11, anchor="end", color=MUTED),
        text(x + width / 2, y + 24, caption, size=11, anchor="middle", color=MUTED),
    ]


# --------------------------------------------------------------------------------------
# heatmaps
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: the value that sets its colour, the text shown, the tooltip."""

    value: float
    label: str = ""
    tooltip: str = ""
    note: str = ""
    neutral: bool = False


@dataclass(frozen=True)
class HeatmapPanel:
    """One grid of a heatmap; several panels share one chart side by side."""

    title: str
    row_labels: Sequence[str]
    col_labels: Sequence[str]
    cells: Sequence[Sequence[Cell | None]]
    scale_caption: str
    value_format: str = "number"


def format_value(value: float, kind: str) -> str:
    return format_percent(value) if kind == "percent" else format_number(value)


def panel_max(panel: HeatmapPanel) -> float:
    values = [cell.value for row in panel.cells for cell in row if cell is not None and not cell.neutral]
    return max(values, default=0.0)


def heatmap(
    chart_id: str,
    title: str,
    panels: Sequence[HeatmapPanel],
    *,
    x_title: str,
    y_title: str,
    cell_width: float = 28.0,
    cell_height: float = 22.0,
    show_labels: bool = True,
    label_every: int = 1,
) -> str:
    """One or more grids, each coloured from 0 to its own maximum."""
    row_label_w = max(label_width(panel.row_labels) for panel in panels) + 10
    left = 34 + row_label_w
    top = 34 if any(panel.title for panel in panels) else 14
    gap = 36
    body: list[str] = []
    x0 = left
    grid_height = max(len(panel.row_labels) for panel in panels) * cell_height
    for panel in panels:
        peak = panel_max(panel) or 1.0
        width = len(panel.col_labels) * cell_width
        if panel.title:
            body.append(text(x0 + width / 2, 20, panel.title, size=13, anchor="middle", weight="600"))
        for row_index, row_label in enumerate(panel.row_labels):
            y = top + row_index * cell_height
            if x0 == left:
                body.append(text(left - 8, y + cell_height / 2 + 4, row_label, size=11,
                                 anchor="end", color=MUTED))
            for col_index, cell in enumerate(panel.cells[row_index]):
                x = x0 + col_index * cell_width
                if cell is None:
                    body.append(rect(x, y, cell_width - 1, cell_height - 1, EMPTY))
                    continue
                fraction = 0.0 if cell.neutral else cell.value / peak
                fill = NEUTRAL if cell.neutral else sequential_color(fraction)
                body.append(rect(x, y, cell_width - 1, cell_height - 1, fill, cell.tooltip))
                if show_labels and cell.label:
                    ink = TEXT if cell.neutral else ink_for(fraction)
                    middle = y + cell_height / 2 + (0 if cell.note else 4)
                    body.append(text(x + cell_width / 2, middle, cell.label, size=11,
                                     anchor="middle", color=ink))
                    if cell.note:
                        body.append(text(x + cell_width / 2, middle + 13, cell.note, size=9,
                                         anchor="middle", color=ink))
        for col_index, col_label in enumerate(panel.col_labels):
            if col_index % label_every == 0:
                body.append(text(x0 + col_index * cell_width + cell_width / 2,
                                 top + grid_height + 14, col_label, size=11, anchor="middle",
                                 color=MUTED))
        body.append(text(x0 + width / 2, top + grid_height + 32, x_title, size=12,
                         anchor="middle", weight="600"))
        body.extend(gradient_legend(chart_id, x0, top + grid_height + 42, min(width, 220),
                                    format_value(0, panel.value_format),
                                    format_value(peak, panel.value_format), panel.scale_caption))
        x0 += width + gap
    body.append(text(14, top + grid_height / 2, y_title, size=12, anchor="middle", weight="600",
                     rotate=-90))
    return svg(chart_id, title, x0 - gap + 12, top + grid_height + 80, body)


# --------------------------------------------------------------------------------------
# horizontal bars
# --------------------------------------------------------------------------------------


def x_axis(left: float, width: float, top: float, bottom: float, ticks: Sequence[float],
           peak: float, value_format: str, x_title: str) -> list[str]:
    """Vertical grid lines with tick labels below, and the axis title."""
    parts: list[str] = []
    for tick in ticks:
        x = left + width * tick / peak
        parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" '
                     f'stroke="{GRID}"/>')
        parts.append(text(x, bottom + 15, format_value(tick, value_format), size=11,
                          anchor="middle", color=MUTED))
    parts.append(text(left + width / 2, bottom + 34, x_title, size=12, anchor="middle",
                      weight="600"))
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    x_title: str,
    y_title: str,
    value_format: str = "number",
    stacked: bool = False,
    plot_width: float = 520.0,
    colors: Sequence[str] = SERIES,
) -> str:
    """Horizontal bars, one group (or one stack) per category, series side by side."""
    bar_h = 14.0 if stacked or len(series) == 1 else 11.0
    per_group = bar_h if stacked else bar_h * len(series)
    group_h = per_group + 12
    left = 34 + label_width(categories) + 10
    top = 38.0
    height = len(categories) * group_h
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    peak_value = max(totals if stacked else [v for _, values in series for v in values], default=0)
    ticks = nice_ticks(peak_value or 1.0, 5)
    peak = ticks[-1] or 1.0
    body = legend([(name, colors[i % len(colors)]) for i, (name, _) in enumerate(series)], left, 16)
    body += x_axis(left, plot_width, top - 4, top + height, ticks, peak, value_format, x_title)
    for index, category in enumerate(categories):
        y = top + index * group_h
        body.append(text(left - 8, y + per_group / 2 + 4, category, size=12, anchor="end"))
        offset = 0.0
        for series_index, (name, values) in enumerate(series):
            value = float(values[index])
            bar_w = plot_width * value / peak
            tooltip = f"{category} – {name}: {format_value(value, value_format)}"
            color = colors[series_index % len(colors)]
            if stacked:
                body.append(rect(left + offset, y, bar_w, bar_h, color, tooltip, stroke="#ffffff"))
                offset += bar_w
            else:
                bar_y = y + series_index * bar_h
                body.append(rect(left, bar_y, bar_w, bar_h - 1, color, tooltip))
                body.append(text(left + bar_w + 4, bar_y + bar_h - 2, format_value(value, value_format),
                                 size=10, color=MUTED))
        if stacked:
            body.append(text(left + offset + 4, y + bar_h - 2,
                             format_value(totals[index], value_format), size=11, color=MUTED))
    body.append(text(14, top + height / 2, y_title, size=12, anchor="middle", weight="600",
                     rotate=-90))
    return svg(chart_id, title, left + plot_width + 70, top + height + 44, body)


# --------------------------------------------------------------------------------------
# lines over time
# --------------------------------------------------------------------------------------


def line_chart(
    chart_id: str,
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[date, float]]]],
    *,
    x_title: str,
    y_title: str,
    value_format: str = "percent",
    plot_width: float = 720.0,
    plot_height: float = 260.0,
) -> str:
    """Lines with point markers; x is time (one label per year or quarter), y starts at 0."""
    points = [point for _, values in series for point in values]
    left, top = 74.0, 36.0
    body = legend([(name, SERIES[i % len(SERIES)]) for i, (name, _) in enumerate(series)], left, 16)
    if not points:
        return svg(chart_id, title, left + plot_width + 20, top + plot_height + 50, body)
    first = min(day for day, _ in points).toordinal()
    last = max(day for day, _ in points).toordinal()
    span = max(1, last - first)
    ticks = nice_ticks(max(value for _, value in points) or 1.0, 5)
    peak = ticks[-1] or 1.0

    def x_of(day: date) -> float:
        return left + plot_width * (day.toordinal() - first) / span

    def y_of(value: float) -> float:
        return top + plot_height * (1 - value / peak)

    for tick in ticks:
        y = y_of(tick)
        body.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_width:.1f}" '
                    f'y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(text(left - 8, y + 4, format_value(tick, value_format), size=11, anchor="end",
                         color=MUTED))
    start, end = date.fromordinal(first), date.fromordinal(last)
    years = end.year - start.year + 1
    for year in range(start.year, end.year + 1):
        for month in ((1,) if years > 3 else (1, 4, 7, 10)):
            day = date(year, month, 1)
            if start <= day <= end:
                x = x_of(day)
                body.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" '
                            f'y2="{top + plot_height:.1f}" stroke="{GRID}"/>')
                label = str(year) if month == 1 else f"Q{(month - 1) // 3 + 1}"
                body.append(text(x, top + plot_height + 15, label, size=11, anchor="middle",
                                 color=MUTED))
    for index, (name, values) in enumerate(series):
        color = SERIES[index % len(SERIES)]
        ordered = sorted(values)
        path = " ".join(f"{x_of(day):.1f},{y_of(value):.1f}" for day, value in ordered)
        body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for day, value in ordered:
            tooltip = f"{name} {day.isoformat()}: {format_value(value, value_format)}"
            body.append(f'<circle cx="{x_of(day):.1f}" cy="{y_of(value):.1f}" r="3" fill="{color}">'
                        f"<title>{escape(tooltip)}</title></circle>")
    body.append(text(left + plot_width / 2, top + plot_height + 34, x_title, size=12,
                     anchor="middle", weight="600"))
    body.append(text(16, top + plot_height / 2, y_title, size=12, anchor="middle", weight="600",
                     rotate=-90))
    return svg(chart_id, title, left + plot_width + 20, top + plot_height + 46, body)
