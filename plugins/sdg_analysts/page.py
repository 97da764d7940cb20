"""The page itself: the region's lines, charts, reports and quality, rendered into one HTML document."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import HTTPException
from markupsafe import Markup
from sqlalchemy.engine import Connection

from sdg_analysts import queries
from sdg_analysts.charts import CHOSEN, COUNTRY, region_colour, render_chart
from sdg_analysts.numbers import shown
from sdg_analysts.texts import DECISIONS, LANGUAGES, REPORT_STATUS, STATUS_LABELS, TEXTS

#: what the release command asks for: who decides, and why
RELEASE_PLACEHOLDERS = {"ru": ("ФИО", "причина"), "kk": ("Аты-жөні", "себебі")}
#: categories that count as «достигнуто или по плану»
ON_TRACK = ("target_achieved", "on_track")


@cache
def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = shown
    env.filters["short_url"] = short_url
    return env


def short_url(url: str, limit: int = 46) -> str:
    """The address without its scheme, cut to ``limit`` characters (the full one is the link and its title)."""
    bare = url.split("://", 1)[-1]
    return bare if len(bare) <= limit else bare[: limit - 1] + "…"


def colours(regions: dict[str, queries.Region]) -> dict[str, str]:
    """kato → the region's colour on every chart (the catalogue's order; the country total in black)."""
    out, position = {}, 0
    for kato, region in regions.items():
        if region.kind == "country":
            out[kato] = COUNTRY
        else:
            out[kato] = region_colour(position)
            position += 1
    return out


def render_chart_for(conn: Connection, code: str, kato: str, language: str) -> str:
    history = queries.history(conn, code, kato, language)
    if history is None or not history.regions:
        return ""
    return render_chart(history, TEXTS[language], colours(queries.all_regions(conn)))


def render_page(conn: Connection, kato: str, year: int, language: str) -> str:
    """The whole page of one region and year in ``language``."""
    texts = TEXTS[language]
    every_region = queries.all_regions(conn)
    if kato not in every_region:
        raise HTTPException(404, f"{texts['no_region']}: {kato}")
    region = every_region[kato]
    lines = queries.region_lines(conn, kato, year, language)
    palette = colours(every_region)
    charts = []
    for line in lines:
        history = queries.history(conn, line.code, kato, language)
        if history is not None and history.regions:
            charts.append((line, history, Markup(render_chart(history, texts, palette))))
    drawn = {k for _, h, _ in charts for k in h.regions}
    legend = _legend(drawn, every_region, colours_with_chosen(palette, kato), language)
    summary = {
        "lines": len(lines),
        "facts": sum(1 for line in lines if line.fact is not None),
        "with_data": sum(1 for line in lines if line.fact is not None or line.fact_text),
        "plans": sum(1 for line in lines if line.plan is not None),
        "on_track": sum(1 for line in lines if line.category in ON_TRACK),
    }
    return (
        _environment()
        .get_template("page.html")
        .render(
            t=texts,
            lang=language,
            languages=LANGUAGES,
            region=region,
            kato=kato,
            year=year,
            regions=queries.regions(conn, year),
            years=sorted(set(queries.fact_years(conn)) | {year}),
            lines=lines,
            charts=charts,
            legend=legend,
            summary=summary,
            chosen_colour=CHOSEN,
            reports=queries.issued_reports(conn, year, kato),
            quality=queries.quality_runs(conn),
            quarantine=queries.open_quarantines(conn),
            statuses=STATUS_LABELS[language],
            report_status=REPORT_STATUS[language],
            decisions=DECISIONS[language],
            release=RELEASE_PLACEHOLDERS[language],
        )
    )


def _legend(drawn: set[str], regions: dict[str, queries.Region], palette: dict[str, str], language: str) -> list:
    """(kato, name, colour, kind) of every region drawn on any chart, in the catalogue's order."""
    name = "name_ru" if language == "ru" else "name_kk"
    return [(k, getattr(r, name), palette[k], r.kind) for k, r in regions.items() if k in drawn]


def colours_with_chosen(palette: dict[str, str], kato: str) -> dict[str, str]:
    return {**palette, kato: CHOSEN}
