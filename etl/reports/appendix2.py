"""Appendix 2 forms from the warehouse: build the content per region and year, then issue files.

Issued files are immutable and versioned: a re-run with unchanged content issues nothing new; changed
content becomes the next version beside the old one, and both stay recorded in ``sdg.report``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.indicators.progress_note import progress_note
from etl.indicators.progress_store import load_progress
from etl.indicators.series_breaks import break_notes
from etl.quality.outcome import QualityFailure
from etl.reports.amendments import facts_filled, form_cells, record_changes, status_to_issue
from etl.reports.amendments_issue import amend
from etl.reports.appendix2_xlsx import write_appendix2
from etl.reports.form_checks import check_forms
from etl.reports.forms import LANGUAGES, Appendix2Form, FormRow
from etl.reports.issuing import (
    IssuedReport,
    content_digest,
    latest_report,
    new_version_path,
    record_report,
    reused,
    unchanged,
)
from etl.reports.kazakh_texts import require_kazakh
from etl.reports.print_layout import DocumentInfo

#: The form's texts by language; {year} and {vintage}/{snapshots} are filled in.
_TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "suppressed": "Данные конфиденциальны (x), не публикуются органом статистики",
        "missing": "Нет данных за {year} год на дату формирования",
        "derived_plan": "план расчётный: прямая от базового значения к целевому",
        "vintage": "данные по состоянию на {at} UTC",
        "no_data": "данных нет",
        "provenance": "Факт заполнен автоматически из официальной статистики: {vintage} "
        "(снимки источников: {snapshots}).",
    },
    "kk": {
        "suppressed": "Деректер құпия (x), статистика органы жарияламайды",
        "missing": "{year} жылғы деректер қалыптастыру күніне жоқ",
        "derived_plan": "жоспар есептік: базалық мәннен нысаналы мәнге дейінгі түзу",
        "vintage": "{at} UTC жағдай бойынша деректер",
        "no_data": "деректер жоқ",
        "provenance": "Факт ресми статистикадан автоматты түрде толтырылды: {vintage} "
        "(дереккөздер көшірмелері: {snapshots}).",
    },
}

# Names and responsible bodies as the region's Appendix 1 list resolves them (view sdg.appendix1_line): the
# region's own wording, else the indicator number and the catalogue name; the region's own body, else the
# indicator's generic one named for the region («…города Астаны», «Астана қаласының…»).
_INDICATOR_ROWS = """
SELECT a.row_no, i.code,
       CASE WHEN :lang = 'kk' THEN l.name_kk ELSE l.name_ru END AS name,
       CASE WHEN :lang = 'kk' THEN l.responsible_kk ELSE l.responsible_ru END AS responsible,
       CASE WHEN :lang = 'kk' THEN i.source_kk ELSE i.source_ru END AS source,
       CASE WHEN :lang = 'kk' THEN i.unit_kk ELSE i.unit_ru END AS unit,
       i.decimals, p.value AS plan, COALESCE(p.derived, false) AS plan_derived, v.value AS fact, v.value_text,
       v.status,
       CASE WHEN :lang = 'kk' THEN v.explanation_kk ELSE v.explanation_ru END AS explanation
FROM sdg.monitored_item AS a
JOIN sdg.indicator AS i ON i.code = a.indicator_code
JOIN sdg.appendix1_line AS l ON l.kato_code = a.kato_code AND l.row_no = a.row_no
LEFT JOIN sdg.indicator_value AS v ON v.indicator_code = i.code AND v.kato_code = a.kato_code AND v.year = :year
LEFT JOIN sdg.plan_line AS p ON p.indicator_code = i.code AND p.kato_code = a.kato_code AND p.year = :year
WHERE a.kato_code = :kato
ORDER BY string_to_array(a.row_no, '.')::int[]
"""

# Activities: the Kazakh sheet prints the Kazakh texts (a missing one stops the issue: ``kazakh_texts``).
_ACTIVITY_ROWS = """
SELECT row_no,
       CASE WHEN :lang = 'kk' THEN name_kk ELSE name_ru END AS name,
       CASE WHEN :lang = 'kk' THEN responsible_kk ELSE responsible_ru END AS responsible,
       CASE WHEN :lang = 'kk' THEN source_kk ELSE source_ru END AS source,
       CASE WHEN :lang = 'kk' THEN unit_kk ELSE unit_ru END AS unit,
       CASE WHEN :lang = 'kk' THEN note_kk ELSE note_ru END AS note,
       CASE WHEN :lang = 'kk' THEN district_kk ELSE district_ru END AS district,
       plan_value, fact_value
FROM sdg.activity WHERE kato_code = :kato AND year = :year
ORDER BY district_ru <> '', district_ru, string_to_array(row_no, '.')::int[]
"""

_VINTAGE = """
SELECT max(s.fetched_at), array_agg(DISTINCT sid ORDER BY sid)
FROM sdg.indicator_value AS v, unnest(v.snapshot_ids) AS sid JOIN sdg.snapshot AS s ON s.snapshot_id = sid
WHERE v.kato_code = :kato AND v.year = :year
"""


def build_appendix2(
    conn: Connection, kato_code: str, year: int, status: str = "draft", language: str = "ru"
) -> Appendix2Form:
    """The form's content for one region and year, facts and plans from the warehouse, texts in ``language``."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown form language {language!r}; expected one of: {', '.join(LANGUAGES)}")
    texts = _TEXTS[language]
    region = conn.execute(
        text("SELECT name_ru, name_kk FROM sdg.region WHERE kato_code = :k"), {"k": kato_code}
    ).one_or_none()
    if region is None:
        raise ValueError(f"unknown region KATO code {kato_code!r}")
    if language == "kk":
        require_kazakh(conn, kato_code, year)
    params = {"kato": kato_code, "year": year, "lang": language}
    indicators = [row for _, row in indicator_lines(conn, kato_code, year, language)]
    activities = _activity_rows(conn.execute(text(_ACTIVITY_ROWS), params).mappings().all(), year)
    fetched_at, snapshot_ids = conn.execute(text(_VINTAGE), params).one()
    vintage = texts["vintage"].format(at=f"{fetched_at:%d.%m.%Y %H:%M}") if fetched_at else texts["no_data"]
    snapshots = ", ".join(map(str, snapshot_ids or [])) or "—"
    return Appendix2Form(
        kato_code=kato_code,
        region_name_ru=region.name_ru,
        region_name_kk=region.name_kk,
        year=year,
        indicators=indicators,
        activities=activities,
        provenance_note=texts["provenance"].format(vintage=vintage, snapshots=snapshots),
        status=status,
        language=language,
    )


def build_appendix2_forms(conn: Connection, kato_code: str, year: int, status: str = "draft") -> list[Appendix2Form]:
    """The form in every language it is issued in (Russian first), one sheet each in the issued file."""
    return [build_appendix2(conn, kato_code, year, status, language) for language in LANGUAGES]


def indicator_lines(conn: Connection, kato_code: str, year: int, language: str = "ru") -> list[tuple[str, FormRow]]:
    """(indicator code, row) of a region's «Индикаторы» block in form order: what the form and the extract show."""
    params = {"kato": kato_code, "year": year, "lang": language}
    rows = conn.execute(text(_INDICATOR_ROWS), params).mappings()
    progress = load_progress(conn, kato_code, year)
    breaks = break_notes(conn, kato_code, year, language)
    # the gap is to the plan and Fact this line prints (a plan imported after the last `sdg compute` included),
    # in its unit and decimals; the category is the stored assessment's
    lines = []
    for r in rows:
        note = _progress_text(progress.get(r["code"]), r, language)
        lines.append((r["code"], _indicator_row(r, year, _TEXTS[language], note, breaks.get(str(r["row_no"]), ""))))
    return lines


def _progress_text(progress: dict | None, r, language: str) -> str:
    return progress_note(progress, r["fact"], r["plan"], language, unit=r["unit"] or "", decimals=int(r["decimals"]))


def _indicator_row(r, year: int, texts: dict[str, str], progress: str, series_break: str = "") -> FormRow:
    """A line with its explanation: why the Fact is empty, a plan that was derived, a series break the
    comparison with the baseline crosses (a Fact on other borders than the baseline's), then progress."""
    status = r["status"]
    notes = []
    fact_text = ""
    if status == "suppressed":
        fact_text = "x"
        notes.append(r["explanation"] or texts["suppressed"])
    elif status in (None, "missing"):
        # a computed indicator says which operand is missing; a direct one has no data for the year
        notes.append(r["explanation"] or texts["missing"].format(year=year))
    if r["plan"] is not None and r["plan_derived"]:
        notes.append(texts["derived_plan"])
    if r["fact"] is not None:
        notes.append(series_break)
    notes.append(progress)
    note = "; ".join(n for n in notes if n)
    return FormRow(
        number=str(r["row_no"]),
        name=r["name"],
        responsible=r["responsible"],
        source=r["source"],
        unit=r["unit"],
        year=year,
        plan=r["plan"],
        fact=r["fact"],
        fact_text=fact_text,
        note=note,
        decimals=int(r["decimals"]),
    )


def _activity_rows(rows: Sequence, year: int) -> list[FormRow]:
    """The region's own activities, then each district's (an initiative group's block, the order's footnote):
    a district's rows are numbered under its own heading number, after the region's, and named with it."""
    own = [r for r in rows if not r["district"]]
    top = max((int(str(r["row_no"]).split(".")[0]) for r in own), default=0)
    districts = list(dict.fromkeys(r["district"] for r in rows if r["district"]))
    lines = [_activity_row(r, year, str(r["row_no"]), r["name"]) for r in own]
    for ordinal, district in enumerate(districts, start=top + 1):
        for r in (r for r in rows if r["district"] == district):
            lines.append(_activity_row(r, year, f"{ordinal}.{r['row_no']}", f"{district}: {r['name']}"))
    return lines


def _activity_row(r, year: int, number: str, name: str) -> FormRow:
    return FormRow(
        number=number,
        name=name,
        responsible=r["responsible"],
        source=r["source"],
        unit=r["unit"],
        year=year,
        plan=r["plan_value"],
        fact=r["fact_value"],
        note=r["note"],
        decimals=0,
    )


def content_hash(forms: Appendix2Form | Sequence[Appendix2Form]) -> str:
    """Hash of what the form (or the forms of one file) says, leaving out the provenance lines (timestamps)."""
    if isinstance(forms, Appendix2Form):
        payload: object = asdict(replace(forms, provenance_note=""))
    else:
        payload = [asdict(replace(form, provenance_note="")) for form in forms]
    return content_digest(payload)


def regions_for_year(conn: Connection, year: int) -> list[str]:
    """KATO codes of the regions (and cities of republican significance) that existed in ``year``."""
    rows = conn.execute(
        text(
            """
            SELECT kato_code FROM sdg.region
            WHERE kind <> 'country' AND sdg.region_in_year(valid_from, valid_to, :y)
            ORDER BY sort_order
            """
        ),
        {"y": year},
    )
    return [r[0] for r in rows]


@dataclass(frozen=True)
class FormsIssued:
    """What one issue run did: the forms issued (or re-used), the regions left out because their form would
    carry no Fact at all, and how many indicator rows have a Fact in the forms issued."""

    issued: list[IssuedReport]
    empty: list[str]
    facts: int
    rows: int


def issue_appendix2(
    engine: Engine,
    year: int,
    kato_codes: list[str] | None = None,
    status: str = "draft",
    out_dir: Path | None = None,
    allow_empty: bool = False,
) -> list[IssuedReport]:
    """Render and record the forms of ``year``; each region's file is its own transaction."""
    return issue_forms_of_year(engine, year, kato_codes, status, out_dir, allow_empty).issued


def issue_forms_of_year(
    engine: Engine,
    year: int,
    kato_codes: list[str] | None = None,
    status: str = "draft",
    out_dir: Path | None = None,
    allow_empty: bool = False,
) -> FormsIssued:
    """Render and record the forms of ``year``: a form with no Fact is left out unless ``allow_empty``; once a
    region's form is final, a changed one is issued as amended (``amendments``), an unchanged one not at all."""
    out_dir = out_dir or config.reports_dir()
    with engine.connect() as conn:
        codes = kato_codes or regions_for_year(conn, year)
        statuses = {code: _status_to_issue(conn, code, year, status) for code in codes}
        built = {code: build_appendix2_forms(conn, code, year, statuses[code]) for code in codes}
    counts = {code: facts_filled(forms[0].indicators) for code, forms in built.items()}
    empty = [code for code in codes if not counts[code]]
    if not allow_empty:
        codes = [code for code in codes if counts[code]]
    # every form of the year checked in one suite run per language
    _check([form for code in codes for form in built[code]])
    checked = {code: content_hash(built[code]) for code in codes}
    issued = [_issue_one(engine, code, year, statuses[code], out_dir, checked[code]) for code in codes]
    rows = sum(len(built[code][0].indicators) for code in codes)
    return FormsIssued(issued, empty, sum(counts[code] for code in codes), rows)


def _status_to_issue(conn: Connection, kato: str, year: int, requested: str) -> str:
    def digest(status: str) -> str:
        return content_hash(build_appendix2_forms(conn, kato, year, status))

    return status_to_issue(conn, "appendix2", kato, year, requested, digest)[0]


def _issue_one(engine: Engine, kato: str, year: int, status: str, out_dir: Path, checked: str) -> IssuedReport:
    with engine.begin() as conn:
        forms = build_appendix2_forms(conn, kato, year, status)
        digest = content_hash(forms)
        if digest != checked:  # the warehouse changed since the batch was checked: check this one again
            _check(forms)
        latest = latest_report(conn, "appendix2", kato, year)
        if unchanged(latest, digest):
            return reused(latest, kato, year)
        version, path = new_version_path(latest, out_dir / str(year) / "appendix2", f"appendix2_{kato}_{year}")
        info = DocumentInfo(status, version, date.today(), digest)
        write_appendix2(forms, path, info)
        cells = form_cells(conn, forms)
        amends = amend(conn, "appendix2", kato, year, cells, path, info) if status == "amended" else None
        issued = record_report(
            conn,
            "appendix2",
            kato,
            year,
            version,
            status,
            path,
            digest,
            cells=cells,
            facts_filled=facts_filled(forms[0].indicators),
            amends=amends and amends[0],
        )
        if amends and issued.report_id is not None:  # record_report always gives the new version's id
            record_changes(conn, issued.report_id, amends[1])
        return issued


def _check(forms: list[Appendix2Form]) -> None:
    """The forms' suite (Great Expectations, imported when it runs: it is heavy); a critical failure issues nothing."""
    if not forms:
        return
    decision = check_forms(forms)
    if not decision.load:
        regions = sorted({f.kato_code for f in forms})
        where = regions[0] if len(regions) == 1 else f"({len(regions)} regions checked together; see 'form')"
        raise QualityFailure(decision, f"appendix2_form {forms[0].year} {where}")


_LATEST = """
SELECT r.kato_code, g.name_ru, g.sort_order, r.version, r.status, r.path, r.created_at, r.content_sha256,
       (SELECT count(*) FROM sdg.monitored_item a WHERE a.kato_code = r.kato_code) AS indicators,
       (SELECT count(*) FROM sdg.monitored_item a
          JOIN sdg.indicator_value v ON v.indicator_code = a.indicator_code AND v.kato_code = a.kato_code
         WHERE a.kato_code = r.kato_code AND v.year = r.year AND v.value IS NOT NULL)
           AS facts
FROM sdg.latest_report r JOIN sdg.region g ON g.kato_code = r.kato_code
WHERE r.kind = 'appendix2' AND r.year = :year
ORDER BY r.kato_code
"""


def latest_issued(conn: Connection, year: int) -> list[dict]:
    """The newest version of each region's form for ``year``, with how many facts it carries."""
    rows = conn.execute(text(_LATEST), {"year": year}).mappings().all()
    return sorted((dict(r) for r in rows), key=lambda r: r["sort_order"])
