"""The working body's overview: the same numbers as the extract it travels with, read back from the page; the
progress colours of the charts, bars and maps equal the stored categories; printed to A4 PDF by headless
Chromium; delivered with the extract; never written for an extract the warehouse has moved on from.

Data: the bundled Taldau samples (SYNTHETIC numbers in the real shape) through the real ingest and facts, every
year computed so there are trends and categories; the map is the national platform's own ``regions.geojson``
(read from ../shared, not copied) and, for the matching rules, small SYNTHETIC GeoJSON files written here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import built_warehouse
from lxml import html as lxml_html
from sqlalchemy import text

from etl import config
from etl.delivery.send import DeliveryFailed
from etl.jobs import compute_facts, deliver, issue_forms, issue_national_extract
from etl.reports.appendix2 import regions_for_year
from etl.reports.boundaries import BoundaryFileError, load_boundary_map
from etl.reports.national_extract_xlsx import read_national_extract
from etl.reports.overview_issue import write_overview
from etl.reports.overview_svg import COLOURS, number

YEAR = 2025
PLATFORM_MAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "kazstat-sdg-data" / "regions.geojson"
COLUMNS = {
    "ru": ("Код КАТО", "Код индикатора", "План", "Факт", "Пояснения при необходимости"),
    "kk": ("ҚАТО коды", "Индикатор коды", "Жоспар", "Факт", "Қажет болған жағдайда түсіндірмелер"),
}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: .ci/run installs Debian's chromium and poppler-utils")
    return path


@pytest.fixture(scope="module")
def overview_warehouse(pg_server_url, facts_warehouse, tmp_path_factory):
    """The ``overview`` warehouse, built once for the module: computing every year took minutes per test."""
    if not PLATFORM_MAP.is_file():
        pytest.fail(f"{PLATFORM_MAP} missing: the tests read the national platform's data from ../shared")
    issued = {}

    def build() -> None:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SDG_BOUNDARY_FILE", str(PLATFORM_MAP))
            compute_facts(None)
            issue_forms(YEAR)
            issued.update(issue_national_extract(YEAR))

    root = tmp_path_factory.mktemp("overview-warehouse")
    with built_warehouse(pg_server_url, facts_warehouse, root, "overview", build) as built:
        yield built, issued


@pytest.fixture
def overview(overview_warehouse, engine, replay, warehouse_url, pg_server_url, monkeypatch):
    """Every year's facts and progress, the forms and the extract of 2025 issued with the platform's map."""
    built, issued = overview_warehouse
    monkeypatch.setenv("SDG_BOUNDARY_FILE", str(PLATFORM_MAP))
    built.clone_into(pg_server_url, warehouse_url, replay)
    return built.moved(issued)


def _files(engine, version: int = 1) -> dict[tuple[str, str], tuple[Path, str]]:
    sql = """
        SELECT f.format, f.language, f.path, f.sha256 FROM sdg.report_file AS f JOIN sdg.report AS r USING (report_id)
        WHERE r.kind = 'national_extract' AND r.year = :y AND r.version = :v
    """
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"y": YEAR, "v": version}).all()
    return {(r.format, r.language): (Path(r.path), r.sha256.strip()) for r in rows}


def _shown(page, css_class: str) -> dict[tuple[str, str], str]:
    """(indicator code, KATO) → the text of that region's cell of class ``css_class`` in the indicator's table."""
    return {
        (
            section.get("data-code"),
            cell.get("data-region") or cell.getparent().xpath("td[4]")[0].get("data-region"),
        ): cell.text_content()
        for section in page.xpath("//section[@data-code]")
        for cell in section.xpath(f".//td[contains(concat(' ', @class, ' '), ' {css_class} ')]")
    }


def _expected(value, decimals: int) -> str:
    if value is None or value == "":
        return "—"
    return number(Decimal(str(value)), decimals) if isinstance(value, Decimal | int | float) else str(value)


def test_every_line_of_the_extract_is_on_the_page_with_its_numbers(overview, engine):
    files = _files(engine)
    assert set(files) == {("html", "ru"), ("html", "kk")}  # conftest turns PDF printing off unless asked
    with engine.connect() as conn:
        decimals = dict(conn.execute(text("SELECT code, decimals FROM sdg.indicator")).all())
    for language, (kato_col, code_col, plan_col, fact_col, note_col) in COLUMNS.items():
        path, sha = files[("html", language)]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
        page = lxml_html.fromstring(path.read_bytes())
        assert page.get("lang") == language
        facts, plans = _shown(page, "fact"), _shown(page, "plan")
        without = {
            row.get("data-code"): row.xpath("td")[-1].text_content()
            for row in page.xpath("//section[@class='without']//tr[@data-code]")
        }
        lines = read_national_extract(Path(overview["path"]), language)["lines"]
        seen = set()
        for line in lines:
            code, kato = line[code_col], line[kato_col]
            if code in without:  # no region has a Plan or Fact: listed once, with the extract's explanation
                assert line[plan_col] is None and line[fact_col] in (None, ""), (code, kato)
                notes = {other[note_col] for other in lines if other[code_col] == code}
                assert len(notes) > 1 or without[code] == line[note_col], (code, without[code])
                continue
            assert facts[(code, kato)] == _expected(line[fact_col], decimals[code]), (language, code, kato)
            assert plans[(code, kato)] == _expected(line[plan_col], decimals[code]), (language, code, kato)
            seen.add((code, kato))
        assert seen == set(facts) and len(seen) + sum(line[code_col] in without for line in lines) == len(lines)
        assert sum(any(c.isdigit() for c in v) for v in facts.values()) == overview["facts"] > 0


def test_colours_of_charts_bars_and_maps_are_the_stored_categories(overview, engine):
    with engine.connect() as conn:
        stored = {
            (r.indicator_code, r.kato_code): r.category or ""
            for r in conn.execute(
                text("SELECT indicator_code, kato_code, category FROM sdg.indicator_progress WHERE year = :y"),
                {"y": YEAR},
            )
        }
    assert len(set(stored.values())) >= 3, "the samples should give several categories"
    path, _ = _files(engine)[("html", "ru")]
    page = lxml_html.fromstring(path.read_bytes())
    dots = maps = 0
    per_region: dict[str, Counter] = {}
    for section in page.xpath("//section[@data-code]"):
        code = section.get("data-code")
        for cell in section.xpath(".//td[@data-category]"):
            kato = cell.getparent().xpath("td[4]")[0].get("data-region")
            category = stored.get((code, kato), "")
            assert cell.get("data-category") == (category or "none"), (code, kato)
            per_region.setdefault(kato, Counter())[category] += 1
        for dot in section.xpath(".//svg[@class='chart']//circle[@data-region]"):
            assert dot.get("fill") == COLOURS[stored.get((code, dot.get("data-region")), "")], code
            dots += 1
        for shape in section.xpath(".//svg[@class='map']/use[@data-region]"):
            assert shape.get("fill") == COLOURS[stored.get((code, shape.get("data-region")), "")], code
            maps += 1
        charts = section.xpath(".//svg[@class='chart']")
        assert len(charts) == len(section.xpath(".//svg[@class='map']")) <= 1
    assert dots > 50 and maps > 50
    # the summary bars: per region, a segment for each category its indicators with data fall in
    for kato, counts in per_region.items():
        segments = {r.get("data-category") for r in page.xpath(f"//svg[@class='bars']/rect[@data-region='{kato}']")}
        assert {c or "none" for c, n in counts.items() if n} <= segments, kato
    # 17 polygons of 2018: the 2022 regions are named as having no border of their own, not drawn on a guess
    shapes = {u.get("data-region") for u in page.xpath("(//svg[@class='map'])[1]/use[@data-region]")}
    assert len(shapes) == 17 and {"100000000", "330000000", "620000000"}.isdisjoint(shapes)
    note = page.xpath("//p[contains(., 'Нет собственной границы')]")[0].text_content()
    assert all(name in note for name in ("область Абай", "область Жетісу", "область Ұлытау"))


@pytest.mark.slow
def test_printed_to_a4_and_delivered_with_the_extract(overview, engine, smtp, monkeypatch):
    monkeypatch.setenv("SDG_CHROMIUM", _tool("chromium"))
    written = write_overview(engine, YEAR)
    assert len(written.written) == 2 and not written.skipped
    files = _files(engine)
    assert set(files) == {(f, lang) for f in ("html", "pdf") for lang in ("ru", "kk")}
    titles = {"ru": "Мониторинг реализации задач", "kk": "міндеттері мен индикаторларының"}
    for language, title in titles.items():
        pdf, sha = files[("pdf", language)]
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == sha
        info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info and int(info.split("Pages:")[1].split()[0]) >= 3
        words = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert title in " ".join(words.split()), language
    # a companion file changed after it was issued: the extract goes to no one, and the run says which file
    html_ru, _ = files[("html", "ru")]
    original = html_ru.read_bytes()
    html_ru.write_bytes(original.replace(b"</body>", b"<p>edited</p></body>"))
    with pytest.raises(DeliveryFailed, match="2 deliveries failed"):
        deliver(YEAR, ("national_extract",))
    assert smtp.messages == []
    with engine.connect() as conn:
        details = conn.execute(text("SELECT status, detail FROM sdg.delivery")).all()
    assert details and all(s == "failed" and html_ru.name in d and "changed since" in d for s, d in details)
    html_ru.write_bytes(original)
    deliver(YEAR, ("national_extract",))
    ((_, message),) = smtp.messages
    attached = {a.get_filename(): a.get_payload(decode=True) for a in message.iter_attachments()}
    assert {a.get_content_type() for a in message.iter_attachments()} >= {"text/html", "application/pdf"}
    texts = [a for a in message.iter_attachments() if a.get_content_maintype() == "text"]
    assert len(texts) == 2 and all(a.get_content_charset() == "utf-8" for a in texts)
    expected = {Path(overview["path"]), *(path for path, _ in files.values())}
    assert set(attached) == {path.name for path in expected}
    for path in expected:
        assert attached[path.name] == path.read_bytes(), path.name
    assert "Обзор по регионам" in message.get_body(("plain",)).get_content()
    outbox = config.data_dir() / "outbox" / "working-body"
    assert {p.name for p in outbox.iterdir()} == {path.name for path in expected}


def test_no_overview_for_an_extract_the_warehouse_has_moved_on_from(facts, engine, monkeypatch):
    from etl.reports.national_extract import issue_national_extract as issue_only_the_extract

    issue_forms(YEAR)
    issue_only_the_extract(engine, YEAR)
    one_listed_fact = (
        "SELECT v.indicator_code, v.kato_code, v.year FROM sdg.indicator_value AS v JOIN sdg.appendix1_line AS l "
        "USING (indicator_code, kato_code) WHERE v.year = :y AND v.value IS NOT NULL AND l.classification = 1 LIMIT 1"
    )
    key = "(indicator_code, kato_code, year)"
    bump = f"UPDATE sdg.indicator_value SET value = value + 1 WHERE {key} = ({one_listed_fact})"
    with engine.begin() as conn:
        changed = conn.execute(text(bump), {"y": YEAR}).rowcount
    assert changed == 1
    result = write_overview(engine, YEAR)
    assert result.written == [] and "no longer matches the warehouse" in " ".join(result.skipped)
    assert _files(engine) == {}


def _geojson(path: Path, features: list[tuple[dict, str, list]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": props, "geometry": {"type": kind, "coordinates": coords}}
                    for props, kind, coords in features
                ],
            }
        )
    )
    return path


def _square(lon: float, lat: float, size: float = 2.0) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def test_features_are_matched_by_any_code_and_a_split_region_gets_no_guessed_border(engine, tmp_path):
    path = _geojson(
        tmp_path / "borders.geojson",
        [
            ({"iso": "KZ-11", "name": "Akmola"}, "Polygon", _square(66, 51)),  # ISO 3166-2 (sdg.region_alias)
            ({"kzCode": "KZ15"}, "MultiPolygon", [_square(80, 48), _square(83, 48)]),  # the platform's layer code
            ({"code": 750000000}, "Polygon", _square(76, 43, 0.5)),  # a KATO code, as a number
            ({"kzCode": "ZZ99"}, "Polygon", _square(60, 45)),  # nobody's
        ],
    )
    with engine.connect() as conn:
        regions = regions_for_year(conn, YEAR)
        borders = load_boundary_map(conn, path, regions)
    assert set(borders.paths) == {"110000000", "630000000", "750000000"}
    assert borders.paths["630000000"].count("M") == 2 and len(borders.other_paths) == 1
    # Abai was split from East Kazakhstan (KZ15): the polygon stays East Kazakhstan's, Abai has none
    assert "100000000" in borders.missing and set(borders.missing) == set(regions) - set(borders.paths)
    assert borders.width == 360 and 0 < borders.height < 360


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"borders.geojson: Expecting property name"),
        ('{"type": "FeatureCollection", "features": []}', "expected a GeoJSON FeatureCollection with features"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}],
                }
            ),
            "feature 1: expected a Polygon or MultiPolygon, got Point",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"properties": {}, "geometry": {"type": "Polygon", "coordinates": [[["a", 1]]]}}],
                }
            ),
            "feature 1: bad coordinates",
        ),
    ],
)
def test_a_bad_boundary_file_is_named_with_the_feature(engine, tmp_path, content, message):
    path = tmp_path / "borders.geojson"
    path.write_text(content)
    with engine.connect() as conn, pytest.raises(BoundaryFileError, match=message):
        load_boundary_map(conn, path, ["110000000"])
