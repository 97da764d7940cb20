"""The overview's pictures as inline SVG: no script, no web font, nothing fetched, so the page reads the same
opened from an e-mail, printed to PDF or archived for years.

- :func:`indicator_chart`: one row per region, its Fact (coloured by progress category) against its Plan
  (hollow diamond) and target (tick), with an arrow from the previous year's Fact (the trend);
- :func:`sparkline`: a region's Facts over the years, for the tables;
- :func:`region_bars`: per region, how many of its indicators fall in each category;
- :func:`indicator_map`: regions coloured by category, over the borders of :mod:`etl.reports.boundaries`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from etl.exports.numbers import for_reader
from etl.reports.axis import nice_ticks
from etl.reports.boundaries import BoundaryMap
from etl.reports.overview import CATEGORIES, IndicatorOverview, Overview, RegionLine

#: Colours of the categories (Open SDG's traffic-light order, darker for the ends); '' is "not assessed".
COLOURS = {
    "target_achieved": "#1a7f37",
    "on_track": "#74c476",
    "acceleration_needed": "#f2c500",
    "limited_progress": "#f08a24",
    "deterioration": "#c62828",
    "": "#c8c8c8",
}
FONT = "font-family:'Liberation Sans',Arial,sans-serif"
LABEL_WIDTH = 150
CHART_WIDTH = 440
BARS_WIDTH = 640
ROW = 20


def number(value: Decimal | float | None, decimals: int) -> str:
    """A value at its decimals the way a Russian or Kazakh reader writes it: ``1 234,5`` (no-break spaces)."""
    return "—" if value is None else for_reader(value, decimals)


def sparkline(trend: Sequence[tuple[int, Decimal]], width: int = 96, height: int = 22) -> str:
    """Facts over the years as a small line; empty when fewer than two years have a Fact."""
    if len(trend) < 2:
        return ""
    years = [y for y, _ in trend]
    values = [float(v) for _, v in trend]
    low, high = min(values), max(values)
    span_y, span_x = (high - low) or 1.0, (years[-1] - years[0]) or 1

    def point(year: int, value: float) -> tuple[float, float]:
        return 3 + (year - years[0]) / span_x * (width - 6), height - 3 - (value - low) / span_y * (height - 6)

    points = [point(y, v) for y, v in zip(years, values, strict=True)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{years[0]}–{years[-1]}"><polyline points="{line}" fill="none" stroke="#4a6fa5" '
        f'stroke-width="1.5"/><circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#4a6fa5"/></svg>'
    )


def indicator_chart(indicator: IndicatorOverview, year: int, language: str, texts: dict[str, str]) -> str:
    """Fact against Plan and target per region, with the change from the previous year's Fact."""
    lines = indicator.lines
    values = [float(v) for line in lines for v in _chart_values(line, year) if v is not None]
    if not values:
        return ""
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    plot = CHART_WIDTH - LABEL_WIDTH - 20
    top = 24
    height = top + ROW * len(lines) + 44

    def x(value: Decimal | float) -> float:
        return LABEL_WIDTH + (float(value) - low) / ((high - low) or 1) * plot

    parts = [
        f'<svg class="chart" width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'role="img" aria-label="{escape(indicator.code)}" style="{FONT};font-size:11px">',
        *_axis(ticks, x, top, top + ROW * len(lines), indicator.decimals),
    ]
    for row, line in enumerate(lines):
        parts += _chart_row(line, top + ROW * row + ROW / 2, x, year, language)
    parts.append(_chart_legend(texts, year, height - 8))
    parts.append("</svg>")
    return "".join(parts)


def _chart_values(line: RegionLine, year: int) -> list[Decimal | None]:
    return [line.fact, line.plan, line.target, _previous(line, year)]


def _previous(line: RegionLine, year: int) -> Decimal | None:
    earlier = [value for y, value in line.trend if y < year]
    return earlier[-1] if earlier and line.fact is not None else None


def _axis(ticks: list[float], x, top: float, bottom: float, decimals: int) -> list[str]:
    parts = []
    shown = max(decimals, _tick_decimals(ticks))
    for tick in ticks:
        px = x(tick)
        parts.append(f'<line x1="{px:.1f}" y1="{top - 4}" x2="{px:.1f}" y2="{bottom}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{px:.1f}" y="{top - 8}" text-anchor="middle" fill="#555">{number(tick, min(shown, 3))}</text>'
        )
    return parts


def _tick_decimals(ticks: list[float]) -> int:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


def _chart_row(line: RegionLine, cy: float, x, year: int, language: str) -> list[str]:
    parts = [
        f'<text x="{LABEL_WIDTH - 8}" y="{cy + 4:.1f}" text-anchor="end" fill="#222">'
        f"{escape(_short(line.name[language]))}</text>",
        f'<line x1="{LABEL_WIDTH}" y1="{cy:.1f}" x2="{CHART_WIDTH - 20}" y2="{cy:.1f}" stroke="#f1f1f1"/>',
    ]
    if line.target is not None:
        tx = x(line.target)
        parts.append(
            f'<line class="target" x1="{tx:.1f}" y1="{cy - 7:.1f}" x2="{tx:.1f}" y2="{cy + 7:.1f}" '
            f'stroke="#1b1b1b" stroke-width="2"/>'
        )
    if line.plan is not None:
        px = x(line.plan)
        parts.append(
            f'<path class="plan" d="M{px:.1f},{cy - 5:.1f}l5,5l-5,5l-5,-5z" fill="#fff" stroke="#4a6fa5" '
            f'stroke-width="1.5"/>'
        )
    previous = _previous(line, year)
    if previous is not None and line.fact is not None and abs(x(line.fact) - x(previous)) > 6:
        parts.append(
            f'<line x1="{x(previous):.1f}" y1="{cy:.1f}" x2="{x(line.fact):.1f}" y2="{cy:.1f}" '
            f'stroke="#9a9a9a" stroke-width="1.5" marker-end="url(#arrow)"/>'
        )
    if line.fact is not None:
        colour = COLOURS[line.category or ""]
        parts.append(
            f'<circle class="fact" data-region="{line.kato_code}" cx="{x(line.fact):.1f}" cy="{cy:.1f}" '
            f'r="5" fill="{colour}" stroke="#333" stroke-width="0.6"/>'
        )
    return parts


def _chart_legend(texts: dict[str, str], year: int, y: float) -> str:
    """Two lines under the rows: the Fact (its colour is the category), Plan, target, the change."""
    x0, y0 = 10, y - 14
    return (
        f'<defs><marker id="arrow" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="6" markerHeight="6" '
        f'orient="auto"><path d="M0,0L6,3L0,6z" fill="#9a9a9a"/></marker></defs>'
        f'<circle cx="{x0 + 5}" cy="{y0 - 4}" r="5" fill="#fff" stroke="#333" stroke-width="0.8"/>'
        f'<text x="{x0 + 14}" y="{y0}" fill="#333">{escape(texts["legend_fact"].format(year=year))}</text>'
        f'<path d="M{x0 + 5},{y - 9}l5,5l-5,5l-5,-5z" fill="#fff" stroke="#4a6fa5" stroke-width="1.5"/>'
        f'<text x="{x0 + 14}" y="{y}" fill="#333">{escape(texts["legend_plan"])}</text>'
        f'<line x1="{x0 + 95}" y1="{y - 11}" x2="{x0 + 95}" y2="{y + 2}" stroke="#1b1b1b" stroke-width="2"/>'
        f'<text x="{x0 + 103}" y="{y}" fill="#333">{escape(texts["legend_target"])}</text>'
        f'<line x1="{x0 + 185}" y1="{y - 4}" x2="{x0 + 213}" y2="{y - 4}" stroke="#9a9a9a" stroke-width="1.5" '
        f'marker-end="url(#arrow)"/><text x="{x0 + 219}" y="{y}" fill="#333">'
        f"{escape(texts['legend_change'].format(year=year - 1))}</text>"
    )


#: «область Абай» → «Абай», «город Алматы» → «г. Алматы», «Алматы қаласы» → «Алматы қ.» (a city stays marked)
_REGION_WORDS = (("область ", ""), (" область", ""), (" облысы", ""), ("город ", "г. "), (" қаласы", " қ."))


def _short(name: str, limit: int = 24) -> str:
    """A region's name as a chart label: without «область»/«облысы», a city marked short, cut to fit."""
    for word, short in _REGION_WORDS:
        name = name.replace(word, short)
    return name if len(name) <= limit else name[: limit - 1] + "…"


def region_bars(overview: Overview, language: str) -> str:
    """Per region, its indicators by progress category (stacked, counts written in the segments)."""
    counts = overview.region_categories()
    most = max((sum(c.values()) for c in counts.values()), default=0) or 1
    plot = BARS_WIDTH - LABEL_WIDTH - 20
    height = ROW * len(overview.regions) + 8
    parts = [
        f'<svg class="bars" width="{BARS_WIDTH}" height="{height}" viewBox="0 0 {BARS_WIDTH} {height}" '
        f'role="img" style="{FONT};font-size:11px">'
    ]
    for row, region in enumerate(overview.regions):
        y = 4 + ROW * row
        name = region.name_kk if language == "kk" else region.name_ru
        label = escape(_short(name))
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end" fill="#222">{label}</text>')
        x = float(LABEL_WIDTH)
        for code in (*CATEGORIES, ""):
            count = counts[region.kato_code][code]
            if not count:
                continue
            width = count / most * plot
            parts.append(
                f'<rect data-region="{region.kato_code}" data-category="{code or "none"}" x="{x:.1f}" '
                f'y="{y}" width="{width:.1f}" height="{ROW - 4}" fill="{COLOURS[code]}"/>'
            )
            if width >= 14:
                ink = "#fff" if code in ("target_achieved", "deterioration") else "#1b1b1b"
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 12}" text-anchor="middle" fill="{ink}">{count}</text>'
                )
            x += width
    parts.append("</svg>")
    return "".join(parts)


def map_defs(boundaries: BoundaryMap) -> str:
    """The borders once per page (hidden); every map re-uses them with ``<use>``."""
    shapes = "".join(f'<path id="shape-{kato}" d="{d}"/>' for kato, d in boundaries.paths.items())
    others = "".join(f'<path class="other" d="{d}"/>' for d in boundaries.other_paths)
    return (
        f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{shapes}'
        f'<g id="shape-others">{others}</g></defs></svg>'
    )


def indicator_map(boundaries: BoundaryMap, indicator: IndicatorOverview, width: int = 250) -> str:
    """The regions coloured by their category for this indicator (blank: not listed or no border)."""
    height = round(boundaries.height * width / boundaries.width)
    parts = [
        f'<svg class="map" width="{width}" height="{height}" viewBox="0 0 {boundaries.width:g} '
        f'{boundaries.height:g}" role="img"><use href="#shape-others" fill="#f4f4f4" stroke="#fff"/>'
    ]
    listed = {line.kato_code: line for line in indicator.lines}
    for kato in boundaries.paths:
        line = listed.get(kato)
        colour = "#f4f4f4" if line is None else COLOURS[line.category or ""]
        parts.append(
            f'<use href="#shape-{kato}" data-region="{kato}" fill="{colour}" stroke="#fff" stroke-width="0.8"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
