"""The overview as one self-contained HTML page per language (Russian, Kazakh), laid out to print on A4.

Everything is inline (styles, SVG), so the page opens the same from an e-mail attachment, a shared folder or
an archive, and Chromium prints it to the PDF that travels with it (``overview_issue``).
"""

from __future__ import annotations

from html import escape

from etl.reports import order_texts
from etl.reports.boundaries import BoundaryMap
from etl.reports.overview import CATEGORIES, IndicatorOverview, Overview, RegionLine
from etl.reports.overview_svg import (
    COLOURS,
    indicator_chart,
    indicator_map,
    map_defs,
    number,
    region_bars,
    sparkline,
)
from etl.reports.print_layout import DocumentInfo

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "lang": "ru",
        "heading": "Обзор по регионам к сводным данным мониторинга",
        "title": order_texts.APPENDIX2_TITLE["ru"],
        "year": "{year} год",
        "summary": "Прогресс регионов",
        "summary_note": "Число индикаторов каждого региона (классы 1 и 2 его перечня) по категориям прогресса к "
        "целевому значению: методика Статистического управления Канады, как на национальной платформе ЦУР.",
        "coverage": "Регионов: {regions}. Значений «Факт» за {year} год: {facts} из {lines}.",
        "indicators": "Индикаторы",
        "priority_note": "График и карта — для индикаторов класса 1 (актуальных) хотя бы в одном регионе.",
        "unit": "Единица измерения: {unit}",
        "region": "Регион",
        "class": "Класс",
        "plan": "План {year}",
        "fact": "Факт {year}",
        "target": "Целевое значение (год)",
        "trend": "Динамика",
        "progress": "Прогресс",
        "legend_fact": "Факт {year} (цвет — категория прогресса)",
        "legend_plan": "План",
        "legend_target": "Цель",
        "legend_change": "изменение с {year} г.",
        "not_assessed": "не оценено",
        "not_listed": "не в перечне региона",
        "without_data": "Индикаторы без данных за {year} год",
        "without_data_note": "Ни в одном регионе нет ни «Плана», ни «Факта» за год; причина — как в сводных данных.",
        "code": "Индикатор",
        "regions": "Регионов",
        "why": "Причина",
        "various": "причины различаются по регионам (см. сводные данные)",
        "no_border": "Нет собственной границы в файле {source}: {regions}.",
        "map_note": "Цвет — категория прогресса; серый — не оценено; светлый — индикатор не в перечне региона.",
        "sources": "Значения — из сводных данных (национальной выписки), к которым приложен обзор: те же строки и "
        "то же число знаков. Пустой «Факт» объяснён в строке. Динамика — значения «Факт» предыдущих лет.",
        "document": "К сводным данным, версия {version}. {status}. Дата выпуска: {issued}. "
        "Контрольная сумма содержания (SHA-256): {sha}",
    },
    "kk": {
        "lang": "kk",
        "heading": "Мониторингтің жиынтық деректеріне өңірлер бойынша шолу",
        "title": order_texts.APPENDIX2_TITLE["kk"],
        "year": "{year} жыл",
        "summary": "Өңірлердің ілгерілеуі",
        "summary_note": "Әр өңірдің индикаторлары (тізбесінің 1 және 2-сыныптары) нысаналы мәнге қарай ілгерілеу "
        "санаттары бойынша: Канада статистика басқармасының әдістемесі, ТДМ ұлттық платформасындағыдай.",
        "coverage": "Өңірлер: {regions}. {year} жылғы «Факт» мәндері: {facts}, барлығы {lines}.",
        "indicators": "Индикаторлар",
        "priority_note": "График пен карта — кемінде бір өңірде 1-сыныпты (өзекті) индикаторлар үшін.",
        "unit": "Өлшем бірлігі: {unit}",
        "region": "Өңір",
        "class": "Сынып",
        "plan": "Жоспар {year}",
        "fact": "Факт {year}",
        "target": "Нысаналы мән (жыл)",
        "trend": "Серпін",
        "progress": "Ілгерілеу",
        "legend_fact": "Факт {year} (түсі — ілгерілеу санаты)",
        "legend_plan": "Жоспар",
        "legend_target": "Нысана",
        "legend_change": "{year} жылдан бергі өзгеріс",
        "not_assessed": "бағаланбады",
        "not_listed": "өңір тізбесінде жоқ",
        "without_data": "{year} жылға деректері жоқ индикаторлар",
        "without_data_note": "Бірде-бір өңірде жылға «Жоспар» да, «Факт» та жоқ; себебі — жиынтық деректердегідей.",
        "code": "Индикатор",
        "regions": "Өңірлер",
        "why": "Себебі",
        "various": "себептері өңірлер бойынша әртүрлі (жиынтық деректерді қараңыз)",
        "no_border": "{source} файлында өз шекарасы жоқ: {regions}.",
        "map_note": "Түсі — ілгерілеу санаты; сұр — бағаланбады; ақшыл — индикатор өңір тізбесінде жоқ.",
        "sources": "Мәндер шолу қоса берілген жиынтық деректерден (ұлттық үзіндіден) алынды: сол жолдар, сол "
        "ондық таңбалар. Бос «Факт» жолда түсіндірілген. Серпін — алдыңғы жылдардың «Факт» мәндері.",
        "document": "Жиынтық деректерге, {version}-нұсқа. {status}. Шығарылған күні: {issued}. "
        "Мазмұнның бақылау сомасы (SHA-256): {sha}",
    },
}

_STYLE = """
@page { size: A4; margin: 12mm 11mm 14mm; }
body { font-family: 'Liberation Sans', Arial, sans-serif; font-size: 10pt; color: #1b1b1b; margin: 0 auto;
       max-width: 190mm; line-height: 1.35; }
h1 { font-size: 15pt; margin: 0 0 2pt; } h2 { font-size: 12.5pt; margin: 18pt 0 4pt; }
h3 { font-size: 11pt; margin: 0 0 2pt; } .muted { color: #555; font-size: 8.5pt; }
.doc { font-size: 8pt; color: #555; word-break: break-all; border-bottom: 1px solid #ccc; padding-bottom: 4pt; }
section.indicator { break-inside: avoid-page; margin: 14pt 0 0; border-top: 1px solid #ddd; padding-top: 6pt; }
section.indicator.long { break-inside: auto; }
.figures { display: flex; gap: 6pt; align-items: flex-start; flex-wrap: wrap; }
.figures > div { width: 250px; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin-top: 4pt; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 1.5pt 4pt; text-align: left; vertical-align: middle; }
th { background: #f3f5f8; font-weight: bold; } thead { display: table-header-group; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.why { color: #555; font-size: 8pt; } tr { break-inside: avoid; }
td.progress { min-width: 30mm; }
.cat { display: inline-block; width: 8pt; height: 8pt; border-radius: 50%; margin-right: 3pt;
       border: 0.5pt solid #333; vertical-align: -1pt; }
.legend span { margin-right: 10pt; white-space: nowrap; font-size: 8.5pt; }
"""


def render_overview(overview: Overview, info: DocumentInfo, language: str, boundaries: BoundaryMap | None) -> str:
    """The whole page in ``language`` (``ru`` or ``kk``)."""
    t = TEXTS[language]
    lines = sum(len(i.lines) for i in overview.indicators)
    facts = sum(line.fact is not None for i in overview.indicators for line in i.lines)
    document = t["document"].format(
        version=info.version,
        status=info.status_line(language),
        issued=f"{info.issued_on:%d.%m.%Y}",
        sha=info.content_sha256,
    )
    coverage = t["coverage"].format(regions=len(overview.regions), year=overview.year, facts=facts, lines=lines)
    parts = [
        f'<!DOCTYPE html><html lang="{t["lang"]}"><head><meta charset="utf-8">',
        f"<title>{escape(t['heading'])}, {escape(t['year'].format(year=overview.year))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        map_defs(boundaries) if boundaries else "",
        f'<p class="muted">{escape(t["heading"])}</p>',
        f"<h1>{escape(t['title'])}, {escape(t['year'].format(year=overview.year))}</h1>",
        f'<p class="doc">{escape(document)}</p>',
        f'<h2>{escape(t["summary"])}</h2><p class="muted">{escape(t["summary_note"])}</p>',
        _legend(language),
        region_bars(overview, language),
        f"<p>{escape(coverage)}</p>",
        f'<h2>{escape(t["indicators"])}</h2><p class="muted">{escape(t["priority_note"])} {escape(t["sources"])}</p>',
    ]
    if boundaries and boundaries.missing:
        names = {r.kato_code: r.name_kk if language == "kk" else r.name_ru for r in overview.regions}
        missing = ", ".join(names.get(kato, kato) for kato in boundaries.missing)
        parts.append(f'<p class="muted">{escape(t["no_border"].format(source=boundaries.source, regions=missing))}</p>')
    shown = [indicator for indicator in overview.indicators if indicator.has_data]
    parts += [_indicator(indicator, overview.year, language, boundaries) for indicator in shown]
    parts.append(_without_data([i for i in overview.indicators if not i.has_data], overview.year, language))
    parts.append("</body></html>")
    return "\n".join(parts)


def _legend(language: str) -> str:
    from etl.indicators.progress import category_label

    items = [(COLOURS[code], category_label(code, language)) for code in CATEGORIES]
    items.append((COLOURS[""], TEXTS[language]["not_assessed"]))
    spans = "".join(f'<span><i class="cat" style="background:{c}"></i>{escape(label)}</span>' for c, label in items)
    return f'<p class="legend">{spans}</p>'


def _indicator(indicator: IndicatorOverview, year: int, language: str, boundaries: BoundaryMap | None) -> str:
    t = TEXTS[language]
    long = " long" if len(indicator.lines) > 12 and indicator.priority else ""
    head = (
        f'<section class="indicator{long}" id="i-{escape(indicator.code)}" data-code="{escape(indicator.code)}">'
        f"<h3>{escape(indicator.name[language])}</h3>"
        f'<p class="muted">{escape(t["unit"].format(unit=indicator.unit[language] or "—"))}</p>'
    )
    figures = ""
    if indicator.priority:
        chart = indicator_chart(indicator, year, language, t)
        shown = indicator_map(boundaries, indicator) if boundaries else ""
        note = f'<p class="muted">{escape(t["map_note"])}</p>' if shown else ""
        figures = f'<div class="figures">{chart}<div>{shown}{note}</div></div>' if chart or shown else ""
    return head + figures + _table(indicator, year, language) + "</section>"


def _table(indicator: IndicatorOverview, year: int, language: str) -> str:
    t = TEXTS[language]
    header = "".join(
        f"<th>{escape(label)}</th>"
        for label in (
            t["region"],
            t["class"],
            t["plan"].format(year=year),
            t["fact"].format(year=year),
            t["target"],
            t["trend"],
            t["progress"],
        )
    )
    rows = "".join(_row(line, indicator.decimals, language) for line in indicator.lines)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def _row(line: RegionLine, decimals: int, language: str) -> str:
    t = TEXTS[language]
    fact = number(line.fact, decimals) if line.fact is not None else escape(line.fact_text or "—")
    target = "—" if line.target is None else number(line.target, decimals)
    if line.target is not None and line.target_year:
        target += f" ({line.target_year})"
    years = f"{line.trend[0][0]}–{line.trend[-1][0]}" if len(line.trend) > 1 else ""
    progress = escape(line.progress[language] or t["not_assessed"])
    dot = f'<i class="cat" style="background:{COLOURS[line.category or ""]}"></i>'
    cells = [
        f"<td>{escape(line.name[language])}</td>",
        f'<td class="num">{line.classification}</td>',
        f'<td class="num plan">{number(line.plan, decimals) if line.plan is not None else "—"}</td>',
        f'<td class="num fact" data-region="{line.kato_code}">{fact}</td>',
        f'<td class="num">{target}</td>',
        f'<td>{sparkline(line.trend)}<span class="muted"> {years}</span></td>',
        f'<td class="progress" data-category="{line.category or "none"}">{dot}{progress}</td>',
    ]
    why = ""
    if line.fact is None and line.note[language]:
        why = f'<tr class="why"><td></td><td class="why" colspan="6">{escape(line.note[language])}</td></tr>'
    return f"<tr>{''.join(cells)}</tr>{why}"


def _without_data(indicators: list[IndicatorOverview], year: int, language: str) -> str:
    """One compact table for the indicators no region has a Plan or Fact of: named, with why, never dropped."""
    if not indicators:
        return ""
    t = TEXTS[language]
    rows = []
    for indicator in indicators:
        notes = {line.note[language] for line in indicator.lines}
        why = notes.pop() if len(notes) == 1 else t["various"]
        rows.append(
            f'<tr data-code="{escape(indicator.code)}"><td>{escape(indicator.name[language])}</td>'
            f'<td class="num">{len(indicator.lines)}</td><td class="why">{escape(why or "—")}</td></tr>'
        )
    header = "".join(f"<th>{escape(t[key])}</th>" for key in ("code", "regions", "why"))
    return (
        f'<section class="without"><h2>{escape(t["without_data"].format(year=year))}</h2>'
        f'<p class="muted">{escape(t["without_data_note"])}</p>'
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )
