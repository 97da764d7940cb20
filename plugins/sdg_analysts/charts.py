"""An indicator's chart as inline SVG, drawn on the server: no script, no fonts or libraries from elsewhere.

Every region's Facts over the years (one path each, in the region's colour on every chart), the chosen region
on top and thick, the country total dashed, the chosen region's plan (dashed with squares) and its Appendix 1
target (a diamond). Each path carries its numbers (``data-points``) so a test can read the chart back.
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from etl.reports.axis import nice_ticks
from sdg_analysts.numbers import shown
from sdg_analysts.queries import History

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 18, 46
#: one colour per region, by the catalogue's order (the same region has the same colour on every chart)
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#ff9da7",
    "#9c755f",
    "#86bcb6",
    "#e15759",
    "#8cd17d",
    "#b6992d",
    "#499894",
    "#d37295",
    "#a0cbe8",
    "#ffbe7d",
    "#79706e",
    "#d4a6c8",
    "#9d7660",
    "#bab0ac",
)
CHOSEN = "#0b3d91"
PLAN = "#e8590c"
TARGET = "#c92a2a"
COUNTRY = "#212529"


def region_colour(position: int) -> str:
    return PALETTE[position % len(PALETTE)]


def render_chart(history: History, labels: dict[str, str], colours: dict[str, str]) -> str:
    """The SVG element of one indicator (``labels``: texts of the page's language; ``colours``: kato → colour)."""
    marks = [point for _, points in history.regions.values() for point in points] + list(history.plan)
    marks += [mark for mark in (history.target, history.baseline) if mark is not None]
    years = [year for year, _ in marks]
    values = [float(value) for _, value in marks]
    if not years:
        return ""
    first, last = min(years), max(years)
    if first == last:
        first, last = first - 1, last + 1
    ticks = nice_ticks(min(values), max(values), intervals=4, multiples=(1, 2, 2.5, 5, 10))
    scale = _Scale(first, last, ticks[0], ticks[-1])
    parts = [_frame(scale, ticks, first, last, history, labels)]
    others = [k for k in history.regions if k != history.kato_code]
    for kato in [*others, history.kato_code] if history.kato_code in history.regions else others:
        region, points = history.regions[kato]
        name = region.name_ru if labels["lang"] == "ru" else region.name_kk
        chosen = kato == history.kato_code
        colour = CHOSEN if chosen else colours.get(kato, COUNTRY)
        parts.append(_series(kato, name, points, scale, colour, chosen, region.kind == "country", history.decimals))
    if history.plan:
        parts.append(_plan(history.plan, scale, labels, history.decimals))
    if history.target is not None:
        parts.append(_target(history.target, scale, labels, history.decimals))
    title = escape(f"{history.code} {history.name}")
    return (
        f'<svg class="chart" data-indicator="{escape(history.code)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}"><title>{title}</title>'
        + "".join(parts)
        + "</svg>"
    )


class _Scale:
    def __init__(self, first: int, last: int, low: float, high: float):
        self.first, self.last, self.low, self.high = first, last, low, high

    def x(self, year: float) -> float:
        return round(LEFT + (year - self.first) / (self.last - self.first) * (WIDTH - LEFT - RIGHT), 1)

    def y(self, value: float) -> float:
        return round(HEIGHT - BOTTOM - (value - self.low) / (self.high - self.low) * (HEIGHT - TOP - BOTTOM), 1)


def _frame(scale: _Scale, ticks: list[float], first: int, last: int, history: History, labels: dict[str, str]) -> str:
    out = ['<g class="axes" font-size="11" fill="#495057">']
    for tick in ticks:
        y = scale.y(tick)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#e9ecef"/>')
        out.append(f'<text class="tick y" x="{LEFT - 6}" y="{y + 4}" text-anchor="end">{_tick(tick)}</text>')
    step = max(1, math.ceil((last - first) / 10))
    for year in range(last, first - 1, -step):  # counted back from the last year: the target year is labelled
        x = scale.x(year)
        out.append(f'<line x1="{x}" x2="{x}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}" stroke="#adb5bd"/>')
        out.append(f'<text class="tick x" x="{x}" y="{HEIGHT - BOTTOM + 17}" text-anchor="middle">{year}</text>')
    bottom = HEIGHT - BOTTOM
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#adb5bd"/>')
    out.append(
        f'<text class="axis-label x" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{escape(labels['axis_year'])}</text>"
    )
    middle = (TOP + HEIGHT - BOTTOM) / 2
    out.append(
        f'<text class="axis-label y" x="14" y="{middle}" text-anchor="middle" transform="rotate(-90 14 {middle})">'
        f"{escape(_short(history.unit, 40))}</text>"
    )
    out.append("</g>")
    return "".join(out)


def _series(kato: str, name: str, points, scale: _Scale, colour: str, chosen: bool, country: bool, decimals: int):
    path = _path(points, scale)
    data = " ".join(f"{year}:{value}" for year, value in points)
    css = "series chosen" if chosen else ("series country" if country else "series")
    width, opacity = (3.2, 1) if chosen else (1.6, 0.55)
    dash = ' stroke-dasharray="5 4"' if country else ""
    values = "; ".join(f"{year}: {shown(value, decimals)}" for year, value in points)
    dots = ""
    if chosen:
        dots = "".join(
            f'<circle cx="{scale.x(y)}" cy="{scale.y(float(v))}" r="3.5" fill="{colour}"/>' for y, v in points
        )
    return (
        f'<g class="{css}-group"><path class="{css}" data-region="{kato}" data-points="{data}" d="{path}" fill="none" '
        f'stroke="{colour}" stroke-width="{width}" stroke-opacity="{opacity}" stroke-linecap="round" '
        f'stroke-linejoin="round"{dash}><title>{escape(name)} — {escape(values)}</title></path>{dots}</g>'
    )


def _plan(plan, scale: _Scale, labels: dict[str, str], decimals: int) -> str:
    data = " ".join(f"{year}:{value}" for year, value in plan)
    values = "; ".join(f"{year}: {shown(value, decimals)}" for year, value in plan)
    marks = "".join(
        f'<rect x="{scale.x(y) - 4}" y="{scale.y(float(v)) - 4}" width="8" height="8" fill="#fff" stroke="{PLAN}" '
        f'stroke-width="2"/>'
        for y, v in plan
    )
    return (
        f'<g class="plan-group"><path class="plan" data-points="{data}" d="{_path(plan, scale)}" fill="none" '
        f'stroke="{PLAN}" stroke-width="2" stroke-dasharray="6 4" stroke-linecap="round">'
        f"<title>{escape(labels['plan'])} — {escape(values)}</title></path>{marks}</g>"
    )


def _target(target: tuple[int, Decimal], scale: _Scale, labels: dict[str, str], decimals: int) -> str:
    year, value = target
    x, y = scale.x(year), scale.y(float(value))
    caption = f"{labels['target']} {year}: {shown(value, decimals)}"
    anchor = "end" if x > WIDTH - RIGHT - 60 else "start"
    dx = -9 if anchor == "end" else 9
    return (
        f'<g class="target" data-year="{year}" data-value="{value}"><title>{escape(caption)}</title>'
        f'<path d="M{x} {y - 7} L{x + 7} {y} L{x} {y + 7} L{x - 7} {y} Z" fill="{TARGET}"/>'
        f'<text x="{x + dx}" y="{y - 9}" text-anchor="{anchor}" font-size="11" fill="{TARGET}">{escape(caption)}</text>'
        "</g>"
    )


def _path(points, scale: _Scale) -> str:
    coords = [f"{scale.x(year)} {scale.y(float(value))}" for year, value in points]
    if len(coords) == 1:
        return f"M{coords[0]} h0"  # a dot (round cap) for a single year
    return "M" + " L".join(coords)


def _tick(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
