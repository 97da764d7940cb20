"""A bar chart of benchmark steps as a self-contained SVG (no plotting library needed): seconds per step,
with the raw-COPY baseline drawn as a reference line, so the ratios are seen rather than read."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, LEFT, RIGHT, BAR, GAP, TOP = 960, 330, 140, 20, 8, 48
COLOURS = {"a": "#1f6f8b", "b": "#7a7a7a", "c": "#c0392b", "d": "#27ae60"}


def bar_chart_svg(steps: Sequence[tuple[str, float]], title: str, reference: float | None = None) -> str:
    """``steps`` as (label, seconds); ``reference`` (seconds) becomes a dashed vertical line labelled 1x."""
    longest = max(seconds for _, seconds in steps) or 1.0
    scale = (WIDTH - LEFT - RIGHT) / longest
    height = TOP + len(steps) * (BAR + GAP) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" '
        f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="{LEFT}" y="38" fill="#555">seconds for ~1M observations (shorter is better)</text>',
    ]
    for i, (label, seconds) in enumerate(steps):
        y = TOP + i * (BAR + GAP)
        colour = COLOURS.get(label.strip()[:1], "#1f6f8b")
        width = max(seconds * scale, 1.0)
        parts.append(f'<text x="{LEFT - 8}" y="{y + BAR - 6}" text-anchor="end">{escape(label.strip())}</text>')
        parts.append(f'<rect x="{LEFT}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{colour}"/>')
        ratio = f" ({seconds / reference:.1f}x)" if reference else ""
        parts.append(f'<text x="{LEFT + width + 6:.1f}" y="{y + BAR - 6}">{seconds:.2f} s{ratio}</text>')
    if reference:
        x = LEFT + reference * scale
        bottom = TOP + len(steps) * (BAR + GAP)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{bottom}" stroke="#333" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{x + 4:.1f}" y="{bottom + 16}" fill="#333">raw COPY = 1x</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
