"""The analysts' page (plugins/sdg_analysts): its JSON equals the warehouse and the issued form, and a real
headless Chromium shows a region's indicators with a chart per indicator.

The warehouse: the bundled Taldau samples ingested (``facts``), a SYNTHETIC copy of one series with a share of
150 % ingested over it (the gate holds that row in quarantine), facts computed for every year, plans and an
Appendix 1 target added for Astana's 1.2.1, and Astana's 2025 form issued.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import built_warehouse
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from etl import config

KATO = "710000000"  # Astana: the sample plans name it
YEAR = 2025
CODE = "1.2.1"
HELD_SERIES = "taldau:704460:p7"
HELD_FILE = "704460-p7-d67.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PLANS = "INSERT INTO sdg.plan_value VALUES (:k, :c, 2023, 4.2), (:k, :c, 2024, 3.9)"
TARGET = (
    "UPDATE sdg.appendix1_item SET target_value = 2.5, target_year = 2030 WHERE kato_code = :k AND indicator_code = :c"
)
HISTORY = "SELECT kato_code, year, value FROM sdg.indicator_value WHERE indicator_code = :c AND value IS NOT NULL"
VALUES = (
    "SELECT indicator_code, value, status, snapshot_ids FROM sdg.indicator_value WHERE kato_code = :k AND year = :y"
)
FORM = "SELECT report_id, version, sha256 FROM sdg.report WHERE kind = 'appendix2' AND kato_code = :k AND year = :y"
FORM_CSV = "SELECT sha256 FROM sdg.report_file WHERE report_id = :r AND format = 'csv'"
PLANNED = {2023: Decimal("4.2"), 2024: Decimal("3.9"), 2025: Decimal("3.5")}


@pytest.fixture(scope="module")
def analysts_built(pg_server_url, facts_warehouse, tmp_path_factory):
    """The warehouse described in the module docstring, built once for the module (every year's facts take long).

    Returns the built warehouse, the quarantine id of the held row and the address the copy was served at.
    """
    from etl.jobs import compute_facts, ingest, issue_forms
    from etl.sources.replay import ReplayServer
    from etl.warehouse.connection import get_engine

    root = tmp_path_factory.mktemp("analysts-warehouse")
    made: dict = {}

    def build() -> None:
        with pytest.MonkeyPatch.context() as env, ReplayServer(_served_copy(root)) as server:
            env.setenv("SDG_TALDAU_URL", server.url_for("taldau"))
            made["served_url"] = server.url_for("taldau")
            held = ingest("taldau", HELD_SERIES)
            assert held["status"] == "partial", held
            made["quarantine_id"] = held["quarantines"][0]
            with get_engine().begin() as conn:
                conn.execute(text(PLANS), {"k": KATO, "c": CODE})
                conn.execute(text(TARGET), {"k": KATO, "c": CODE})
            compute_facts(None)
            issued = issue_forms(YEAR, regions=[KATO])
            assert issued, "Astana's 2025 form was not issued"

    with built_warehouse(pg_server_url, facts_warehouse, root, "analysts", build) as built:
        yield built, made["quarantine_id"], made["served_url"]


@pytest.fixture
def analysts_warehouse(analysts_built, engine, replay, warehouse_url, pg_server_url, monkeypatch):
    """The module's warehouse copied for this test; returns the quarantine id of the held row."""
    built, quarantine_id, served_url = analysts_built
    built.clone_into(pg_server_url, warehouse_url, replay)
    monkeypatch.setenv("SDG_TALDAU_URL", served_url)  # as when the test served the copy itself
    return quarantine_id


def _served_copy(tmp_path: Path) -> Path:
    """The samples with one available share set to 150 % (1.2.1 is a share: the gate holds that row)."""
    root = tmp_path / "served"
    shutil.copytree(config.SAMPLES_DIR / "taldau", root / "taldau")
    target = root / "taldau" / "GetIndexData" / HELD_FILE
    rows = json.loads(target.read_text(encoding="utf-8-sig"))
    period = next(p for r in rows for p in r["periods"] if p["value"].strip() not in ("", "-", "x", "х"))
    period["value"] = "150,0"
    target.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    return root


def _facts_by_region(engine, code: str) -> dict[str, dict[int, Decimal]]:
    with engine.connect() as conn:
        rows = conn.execute(text(HISTORY), {"c": code})
        out: dict[str, dict[int, Decimal]] = {}
        for kato, year, value in rows:
            out.setdefault(kato, {})[year] = value
        return out


def _points(data: str) -> dict[int, Decimal]:
    return {int(year): Decimal(value) for year, value in (p.split(":") for p in data.split())}


def _cell(row, css: str) -> str:
    return row.xpath(f'./td[contains(@class, "{css}")]')[0].text_content().strip()


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# ------------------------------------------------------------------------------------------------- the API


def test_api_shows_the_forms_plan_fact_status_and_provenance(analysts_warehouse, engine, warehouse_url):
    from sdg_analysts.app import create_app

    from etl.reports.appendix2 import build_appendix2

    with TestClient(create_app(warehouse_url)) as client:
        body = client.get("/api/indicators", params={"region": KATO, "year": YEAR}).json()
        unknown = client.get("/api/indicators", params={"region": "999999999", "year": YEAR})
    assert unknown.status_code == 404
    with engine.connect() as conn:
        form = build_appendix2(conn, KATO, YEAR)
        stored = {r.indicator_code: r for r in conn.execute(text(VALUES), {"k": KATO, "y": YEAR})}
        urls = dict(conn.execute(text("SELECT snapshot_id, url FROM sdg.snapshot")).all())
    lines = body["lines"]
    assert [line["row_no"] for line in lines] == [row.number for row in form.indicators]
    for line, row in zip(lines, form.indicators, strict=True):
        assert (_decimal(line["fact"]), _decimal(line["plan"]), line["note"]) == (row.fact, row.plan, row.note)
        value = stored.get(line["code"])
        assert line["status"] == (value.status if value else None)
        if row.fact is not None:
            assert Decimal(line["fact"]) == value.value
            assert sorted(s["snapshot_id"] for s in line["sources"]) == sorted(value.snapshot_ids)
            assert all(s["url"] == urls[s["snapshot_id"]] and s["series_key"] for s in line["sources"])
    planned = next(line for line in lines if line["code"] == CODE)
    assert (planned["plan"], planned["fact"] is not None) == ("3.5", True)
    assert sum(1 for line in lines if line["fact"] is not None) >= 10


def test_api_history_reports_downloads_and_quality(analysts_warehouse, engine, warehouse_url):
    from sdg_analysts.app import create_app

    with TestClient(create_app(warehouse_url)) as client:
        history = client.get(f"/api/history/{CODE}", params={"region": KATO}).json()
        reports = client.get("/api/reports", params={"year": YEAR, "region": KATO}).json()["reports"]
        form = next(r for r in reports if r["kind"] == "appendix2")
        xlsx = client.get(f"/reports/{form['report_id']}/xlsx")
        csv = client.get(f"/reports/{form['report_id']}/csv")
        bad_format = client.get(f"/reports/{form['report_id']}/exe")
        quality = client.get("/api/quality").json()
    expected = _facts_by_region(engine, CODE)
    assert {r["region"]["kato_code"]: {y: Decimal(v) for y, v in r["points"]} for r in history["regions"]} == expected
    assert len({y for points in expected.values() for y in points}) >= 4  # the chart has years to draw
    assert {y: Decimal(v) for y, v in history["plan"]} == PLANNED
    assert history["target"] == [2030, "2.5"]
    with engine.connect() as conn:
        recorded = conn.execute(text(FORM), {"k": KATO, "y": YEAR}).one()
        csv_sha = conn.execute(text(FORM_CSV), {"r": recorded.report_id}).scalar_one()
    assert (form["report_id"], form["version"]) == (recorded.report_id, recorded.version)
    assert xlsx.status_code == 200 and hashlib.sha256(xlsx.content).hexdigest() == recorded.sha256
    assert csv.status_code == 200 and hashlib.sha256(csv.content).hexdigest() == csv_sha
    assert bad_format.status_code == 404
    held = [q for q in quality["quarantine"] if q["quarantine_id"] == analysts_warehouse]
    assert held and held[0]["series_key"] == HELD_SERIES and held[0]["reasons"]
    assert any(r["decision"] == "partial" and r["series_key"] == HELD_SERIES for r in quality["runs"])

    # an issued file is immutable: once its bytes differ from the recorded sha256 it is not served
    with engine.connect() as conn:
        path = Path(
            conn.execute(text("SELECT path FROM sdg.report WHERE report_id = :r"), {"r": recorded.report_id}).scalar()
        )
    path.write_bytes(path.read_bytes() + b"\0")
    with TestClient(create_app(warehouse_url)) as client:
        changed = client.get(f"/reports/{recorded.report_id}/xlsx")
    assert changed.status_code == 409 and "changed after it was issued" in changed.json()["detail"]


# --------------------------------------------------------------------------------------- a real browser


@pytest.fixture
def served_page(analysts_warehouse, warehouse_url) -> Iterator[str]:
    """The app mounted under /sdg-analysts (as Airflow mounts it) in a real uvicorn on a free port."""
    import uvicorn
    from sdg_analysts.app import create_app

    root = FastAPI()
    root.mount("/sdg-analysts", create_app(warehouse_url))
    server = uvicorn.Server(uvicorn.Config(root, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/sdg-analysts/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_in_headless_chromium_shows_charts_and_numbers(served_page, analysts_warehouse, engine, tmp_path):
    from lxml import html
    from sdg_analysts.numbers import shown

    url = f"{served_page}?region={KATO}&year={YEAR}"
    dom = html.fromstring(_chromium(tmp_path, "--dump-dom", url).stdout)

    # the chart of 1.2.1: one path per region with Facts, each carrying that region's Facts over the years
    expected = _facts_by_region(engine, CODE)
    chart = dom.xpath(f'//svg[@data-indicator="{CODE}"]')
    assert len(chart) == 1
    paths = chart[0].xpath('.//path[contains(concat(" ", @class, " "), " series ")]')
    assert sorted(p.get("data-region") for p in paths) == sorted(expected)
    assert {p.get("data-region"): _points(p.get("data-points")) for p in paths} == expected
    assert [p.get("data-region") for p in paths if "chosen" in p.get("class")] == [KATO]
    assert [t.text_content() for t in chart[0].xpath('.//text[contains(@class, "axis-label")]')] == ["Год", "процент"]
    assert "2030" in {t.text_content() for t in chart[0].xpath('.//text[contains(@class, "tick x")]')}
    (plan,) = chart[0].xpath('.//path[@class="plan"]')
    assert _points(plan.get("data-points")) == PLANNED
    (target,) = chart[0].xpath('.//g[@class="target"]')
    assert (target.get("data-year"), target.get("data-value")) == ("2030", "2.5")

    # the table: the numbers as the form has them, shown with the indicator's decimals
    with engine.connect() as conn:
        stored = conn.execute(text(VALUES), {"k": KATO, "y": YEAR}).all()
        facts = {r.indicator_code: r.value for r in stored if r.value is not None}
        suppressed = {r.indicator_code for r in stored if r.status == "suppressed"}
        decimals = dict(conn.execute(text("SELECT code, decimals FROM sdg.indicator")).all())
    rows = dom.xpath('//section[@id="indicators"]//tr[@data-code]')
    shown_facts = {r.get("data-code"): _cell(r, "fact") for r in rows}
    expected_facts = {c: shown(v, decimals[c]) for c, v in facts.items()} | {c: "x" for c in suppressed}
    expected_facts = {c: f for c, f in expected_facts.items() if c in shown_facts}  # the region's list only
    assert len(expected_facts) >= 10
    assert {c: f for c, f in shown_facts.items() if f} == expected_facts
    (line,) = [r for r in rows if r.get("data-code") == CODE]
    assert _cell(line, "plan") == "3,5"
    assert line.xpath('.//div[@class="source"]/a/@href')  # provenance down to the snapshot's URL
    assert dom.get_element_by_id("facts-count").text_content() == str(len(facts))
    charts = {svg.get("data-indicator") for svg in dom.xpath("//svg[@data-indicator]")}
    assert set(facts) <= charts  # every indicator of the list with a Fact has its chart

    # the issued form to download, and the quarantine with the command that releases it
    assert dom.xpath('//section[@id="reports"]//a[contains(@href, "/xlsx")]')
    command = dom.xpath(f'//tr[@data-quarantine="{analysts_warehouse}"]//code')[0].text_content()
    assert command.startswith(f"sdg quality release {analysts_warehouse} --by")

    # the Kazakh page, and a screenshot of the Russian one (look at it: SDG_ANALYSTS_SCREENSHOT=path keeps it)
    kazakh = html.fromstring(_chromium(tmp_path, "--dump-dom", url + "&lang=kk").stdout)
    assert kazakh.xpath("//h1")[0].text_content() == "ТДМ мониторингі: өңір индикаторлары"
    assert kazakh.xpath(f'//svg[@data-indicator="{CODE}"]//text[contains(@class, "axis-label x")]')[0].text == "Жыл"
    shot = Path(os.environ.get("SDG_ANALYSTS_SCREENSHOT") or tmp_path / "page.png")
    _chromium(tmp_path, "--hide-scrollbars", "--window-size=1400,2200", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
