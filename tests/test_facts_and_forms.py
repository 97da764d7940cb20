"""Facts computed from the ingested samples, and the Appendix 2 forms issued from them, cell by cell.

Expected values are read straight from the sample JSON and the catalogue CSV files with plain json/csv.
The revised answer used for versioning is SYNTHETIC: a copy of a sample with one value changed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text
from taldau_samples import segment_of

from etl import config
from etl.jobs import compute_facts, ingest, issue_forms, series_keys
from etl.reports.appendix2_xlsx import read_appendix2
from etl.sources.replay import ReplayServer

YEAR = 2025
SAMPLES = config.SAMPLES_DIR / "taldau"
ASTANA = "710000000"
STATUS = {"A": "final", "suppressed": "suppressed", "missing": "missing"}
#: the typical list holds 72 indicators; the samples feed 14 of them, the others' Facts are empty
NO_DATA = (None, "missing")


def _csv(name: str) -> list[dict[str, str]]:
    with (config.CATALOGUE_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _obs(text_value: str) -> tuple[Decimal | None, str]:
    token = text_value.strip()
    if token.lower() in ("x", "х"):
        return None, "suppressed"
    if token in ("", "-"):
        return None, "missing"
    return Decimal(token.replace(",", ".")), "A"


def _published(root: Path = SAMPLES) -> dict[str, dict[str, tuple[Decimal | None, str]]]:
    """series key → KATO → (value × scale, observation status) of the totals row for YEAR, from the sample JSON."""
    terms = {int(r["taldau_term_id"]): r["kato_code"] for r in _csv("regions.csv") if r["taldau_term_id"]}
    out: dict[str, dict[str, tuple[Decimal | None, str]]] = {}
    for s in _csv("series/taldau.csv"):
        dic_ids, totals = segment_of(s["index_id"], s["period_id"], s["dics"], s["total_terms"])
        dics = [str(d) for d in dic_ids]
        name = f"{s['index_id']}-p{s['period_id']}-d{'_'.join(dics)}.json"
        rows = json.loads((root / "GetIndexData" / name).read_text(encoding="utf-8-sig"))
        cells = out.setdefault(s["series_key"], {})
        for row in rows:
            if row["terms"][1:] != totals:
                continue
            for period in row["periods"]:
                if period["date"].endswith(str(YEAR)):
                    value, status = _obs(period["value"])
                    if value is not None:
                        value *= Decimal(s["scale"].replace(",", "."))
                    cells[terms[row["terms"][0]]] = (value, status)
    return out


def _expected_facts(root: Path = SAMPLES) -> dict[tuple[str, str], tuple[Decimal | None, str]]:
    """(indicator code, KATO) → (value, indicator status) for YEAR: mapped series as published, and the
    formulas of catalogue/formulas.csv (ratio / per capita of Taldau series) worked out here."""
    published = _published(root)
    facts = {
        (s["indicator_code"], kato): (value, STATUS[status])
        for s in _csv("series/taldau.csv")
        if s["indicator_code"]
        for kato, (value, status) in published[s["series_key"]].items()
    }
    decimals = {r["code"]: int(r["decimals"]) for r in _csv("indicators.csv")}
    formulas: dict[str, list[dict[str, str]]] = {}
    for row in _csv("formulas.csv"):
        formulas.setdefault(row["indicator_code"], []).append(row)
    for code, (top, bottom) in formulas.items():
        assert top["formula"] in ("ratio", "per_capita") and top["kato_code"] == "*", "extend this test"
        for kato in published[top["series_key"]].keys() | published[bottom["series_key"]].keys():
            operands = [published[o["series_key"]].get(kato, (None, "missing")) for o in (top, bottom)]
            problem = next((status for _, status in operands if status != "A"), None)
            if problem:
                facts[(code, kato)] = (None, STATUS[problem])
                continue
            value = operands[0][0] / operands[1][0] * Decimal(top["factor"])
            step = Decimal(1).scaleb(-decimals[code])
            facts[(code, kato)] = (value.quantize(step, rounding=ROUND_HALF_UP), "final")
    return facts


def _ingest_all(taldau_url: str | None = None) -> list[dict]:
    return [ingest("taldau", key, base_url=taldau_url) for key in series_keys("taldau")]


def test_facts_equal_the_published_values(engine, replay):
    results = _ingest_all()
    assert {r["status"] for r in results} == {"loaded"}
    written = compute_facts(YEAR)
    expected = _expected_facts()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT indicator_code, kato_code, value, status, snapshot_ids FROM sdg.indicator_value WHERE year = :y"
            ),
            {"y": YEAR},
        ).all()
        other_years = conn.execute(text("SELECT count(*) FROM sdg.indicator_value WHERE year <> :y"), {"y": YEAR})
    assert other_years.scalar() == 0
    assert written == len(rows) == len(expected)
    actual = {(code, kato): (value, status) for code, kato, value, status, _ in rows}
    assert actual == expected
    assert {s for _, s in expected.values()} == {"final", "suppressed", "missing"}
    snapshot_of = {r["series_key"]: r["snapshots"][0] for r in results}
    keys_of = {s["indicator_code"]: [s["series_key"]] for s in _csv("series/taldau.csv") if s["indicator_code"]}
    keys_of.update({f: [o["series_key"] for o in _csv("formulas.csv") if o["indicator_code"] == f] for f in ("3.4.2",)})
    for code, _, _, status, snapshot_ids in rows:
        operands = sorted(snapshot_of[key] for key in keys_of[code])
        assert snapshot_ids == operands or status != "final" and set(snapshot_ids) <= set(operands), code
    # recomputing with nothing new rewrites identical rows
    assert compute_facts(YEAR) == written
    with engine.connect() as conn:
        again = conn.execute(text("SELECT indicator_code, kato_code, value, status FROM sdg.indicator_value")).all()
    assert {(c, k): (v, s) for c, k, v, s in again} == expected


def _indicator_rows(kato: str) -> dict[str, str]:
    """row number → indicator code of the region's Appendix 1 list (classification 1 and 2 go to the form)."""
    rows = {r["row_no"]: r for r in _csv("appendix1.csv") if r["kato_code"] == "*"}
    rows.update({r["row_no"]: r for r in _csv("appendix1.csv") if r["kato_code"] == kato})
    return {no: r["indicator_code"] for no, r in rows.items() if r["classification"] in ("1", "2")}


def _check_fact(cell_value, expected: tuple[Decimal | None, str], where: str) -> None:
    value, status = expected
    if status == "final":
        assert isinstance(cell_value, int | float), where
        assert abs(Decimal(str(cell_value)) - value) <= Decimal("1e-9"), where
    elif status == "suppressed":
        assert cell_value == "x", where
    else:
        assert cell_value in (None, ""), where


def _check_form(path: Path, kato: str, facts: dict) -> None:
    region = next(r for r in _csv("regions.csv") if r["kato_code"] == kato)
    decimals = {r["code"]: int(r["decimals"]) for r in _csv("indicators.csv")}
    units = {r["code"]: r["unit_ru"] for r in _csv("indicators.csv")}
    plans = {
        r["indicator_code"]: Decimal(r["value"])
        for r in _csv("plans.csv")
        if r["kato_code"] == kato and r["year"] == str(YEAR)
    }
    form = read_appendix2(path)
    assert form["title"] == "Мониторинг реализации задач и индикаторов Целей устойчивого развития"
    assert form["subtitle"] == f"{region['name_ru']} за {YEAR} год"
    assert len(form["headers"]) == 9 and all(form["headers"])
    assert form["headers"][6] == "План" and form["headers"][7] == "Факт"
    assert form["numbering"] == list(range(1, 10))
    expected_rows = _indicator_rows(kato)
    assert [row[0] for row in form["indicators"]] == sorted(expected_rows, key=int)
    for row in form["indicators"]:
        code = expected_rows[row[0]]
        where = f"{path.name} row {row[0]} ({code})"
        assert code in row[1], where
        assert row[4] == units[code] and row[5] == YEAR, where
        _check_fact(row[7], facts.get((code, kato), NO_DATA), where)
        if code in plans:
            assert abs(Decimal(str(row[6])) - plans[code]) <= Decimal("1e-9"), where
        else:
            assert row[6] is None, where

    # the same facts straight from the cells, with the number format the indicator's decimals ask for
    ws = openpyxl.load_workbook(path)["Приложение 2"]
    found = 0
    for r in range(1, ws.max_row + 1):
        number = ws.cell(row=r, column=1).value
        if number in expected_rows and ws.cell(row=r, column=6).value == YEAR and r < _activities_row(ws):
            code = expected_rows[number]
            cell = ws.cell(row=r, column=8)
            _check_fact(cell.value, facts.get((code, kato), NO_DATA), f"{path.name}!H{r}")
            if isinstance(cell.value, float | int):
                assert cell.number_format == ("0" if decimals[code] == 0 else "0." + "0" * decimals[code])
            found += 1
    assert found == len(expected_rows)

    activities = [a for a in _csv("activities.csv") if a["kato_code"] == kato and a["year"] == str(YEAR)]
    if not activities:
        assert form["activities"] == []
    for row, act in zip(form["activities"], activities, strict=True):
        assert row[0] == act["row_no"] and row[1] == act["name_ru"] and row[2] == act["responsible_ru"]
        assert (row[3], row[4], row[5]) == (act["source_ru"], act["unit_ru"], YEAR)
        assert Decimal(str(row[6])) == Decimal(act["plan_value"]) and Decimal(str(row[7])) == Decimal(act["fact_value"])
        assert (row[8] or "") == act["note_ru"]


def _check_kazakh_sheet(path: Path, kato: str, facts: dict) -> None:
    """The Kazakh sheet: same numbers as the Russian one, every text from the catalogue's kk columns."""
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == ["Приложение 2", "2-қосымша"]
    region = next(r for r in _csv("regions.csv") if r["kato_code"] == kato)
    indicators = {r["code"]: r for r in _csv("indicators.csv")}
    ru, kk = read_appendix2(path), read_appendix2(path, "2-қосымша")
    assert kk["language"] == "kk" and kk["status"] == ru["status"] == "draft"
    assert kk["title"] == "Орнықты даму мақсаттарының міндеттері мен индикаторларының іске асырылуын мониторингтеу"
    assert kk["subtitle"] == f"{region['name_kk']}, {YEAR} жыл"
    assert kk["headers"] == [
        "Р/с №",
        "Атауы",
        "Жауаптылар",
        "Ақпарат көзі",
        "Өлшем бірлігі",
        "Есепті жыл",
        "Жоспар",
        "Факт",
        "Қажет болған жағдайда түсіндірмелер",
    ]
    assert kk["status_text"] == "Мәртебесі: жоба"
    assert kk["provenance_note"].startswith("Факт ресми статистикадан автоматты түрде толтырылды")
    expected_rows = _indicator_rows(kato)
    assert [row[0] for row in kk["indicators"]] == [row[0] for row in ru["indicators"]]
    for kk_row, ru_row in zip(kk["indicators"], ru["indicators"], strict=True):
        code = expected_rows[kk_row[0]]
        where = f"{path.name} kk row {kk_row[0]} ({code})"
        ind = indicators[code]
        assert kk_row[1] == f"{code} {ind['name_kk']}", where
        # a generic regional body («Облыстың …») is named for the region («Астана қаласының …»)
        body = ind["responsible_kk"]
        if body.startswith("Облыстың "):
            body = region["genitive_kk"] + body.removeprefix("Облыстың")
        assert (kk_row[2], kk_row[3], kk_row[4]) == (body, ind["source_kk"], ind["unit_kk"]), where
        assert kk_row[5:8] == ru_row[5:8], where  # year, plan, fact: the same cells as the Russian sheet
        fact = facts.get((code, kato), NO_DATA)
        _check_fact(kk_row[7], fact, where)
        note = kk_row[8] or ""
        if fact[1] == "suppressed":  # the statistics office's «x», or a computed Fact naming its operand
            assert note.startswith(("Деректер құпия (x), статистика органы жарияламайды", "Есептелмеді:")), where
        elif fact[1] == "missing":
            assert note.startswith((f"{YEAR} жылғы деректер қалыптастыру күніне жоқ", "Есептелмеді:")), where
        else:  # a value: at most the progress against plan, never a «no data» text
            assert "деректер" not in note and "Есептелмеді" not in note, where
    activities = [a for a in _csv("activities.csv") if a["kato_code"] == kato and a["year"] == str(YEAR)]
    for row, act in zip(kk["activities"], activities, strict=True):
        texts = [act.get(f"{c}_kk") or act[f"{c}_ru"] for c in ("name", "responsible", "source", "unit", "note")]
        assert [row[0], *row[1:5], row[8] or ""] == [act["row_no"], *texts[:4], texts[4]]
        assert Decimal(str(row[6])) == Decimal(act["plan_value"]) and Decimal(str(row[7])) == Decimal(act["fact_value"])
    assert len(kk["activities"]) == len(activities)


def _activities_row(ws) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == "Мероприятия*")


def _reports(engine, kato: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT version, path, sha256, content_sha256 FROM sdg.report "
                "WHERE kind = 'appendix2' AND kato_code = :k AND year = :y ORDER BY version"
            ),
            {"k": kato, "y": YEAR},
        ).all()


def test_forms_show_facts_plans_and_activities_and_are_versioned(facts, engine, replay, tmp_path):
    assert any(a["kato_code"] == ASTANA for a in _csv("activities.csv"))
    assert any(p["kato_code"] == ASTANA for p in _csv("plans.csv"))
    issued = issue_forms(YEAR)
    current = [r["kato_code"] for r in _csv("regions.csv") if r["kind"] != "country" and not r["valid_to"]]
    assert issued["forms"] == issued["new_versions"] == len(current) == 20
    assert len(set(issued["paths"])) == 20 and all(Path(p).is_file() for p in issued["paths"])
    assert sorted(Path(p).name for p in issued["paths"]) == sorted(f"appendix2_{k}_{YEAR}_v1.xlsx" for k in current)
    facts = _expected_facts()
    by_kato = {Path(p).name.split("_")[1]: Path(p) for p in issued["paths"]}
    for kato in current:  # every regional form, cell by cell
        _check_form(by_kato[kato], kato, facts)
    for kato in (ASTANA, "610000000", "750000000", "100000000"):  # activities, suppressed facts, cities, Abai
        _check_kazakh_sheet(by_kato[kato], kato, facts)
    assert any(facts.get((c, "610000000"), NO_DATA)[1] == "suppressed" for c in _indicator_rows("610000000").values())

    again = issue_forms(YEAR)
    assert again["new_versions"] == 0
    assert again["paths"] == issued["paths"]
    v1 = by_kato[ASTANA]
    v1_bytes = v1.read_bytes()

    # synthetic revision of Astana's 2025 value of indicator 1.2.1 (index 704460)
    root = tmp_path / "served"
    shutil.copytree(SAMPLES, root / "taldau")
    target = root / "taldau" / "GetIndexData" / "704460-p7-d67.json"
    rows = json.loads(target.read_text(encoding="utf-8-sig"))
    astana_term = int(next(r["taldau_term_id"] for r in _csv("regions.csv") if r["kato_code"] == ASTANA))
    period = next(p for r in rows if r["terms"] == [astana_term] for p in r["periods"] if p["date"] == f"31.12.{YEAR}")
    assert _obs(period["value"])[0] != Decimal("4.25")
    period["value"] = "4,25"
    target.write_bytes(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    with ReplayServer(root) as server:
        results = _ingest_all(server.url_for("taldau"))
    assert [r["status"] for r in results].count("loaded") == 1
    compute_facts(YEAR)
    revised = issue_forms(YEAR)
    assert revised["new_versions"] == 1

    reports = _reports(engine, ASTANA)
    assert [r.version for r in reports] == [1, 2]
    assert reports[0].sha256 != reports[1].sha256 and reports[0].content_sha256 != reports[1].content_sha256
    v2 = Path(reports[1].path)
    assert v2.name == f"appendix2_{ASTANA}_{YEAR}_v2.xlsx" and v2.parent == v1.parent
    assert v1.read_bytes() == v1_bytes  # the issued file is never rewritten
    assert hashlib.sha256(v1.read_bytes()).hexdigest() == reports[0].sha256
    assert hashlib.sha256(v2.read_bytes()).hexdigest() == reports[1].sha256
    facts[("1.2.1", ASTANA)] = (Decimal("4.25"), "final")
    _check_form(v2, ASTANA, facts)
    _check_kazakh_sheet(v2, ASTANA, facts)
    assert str(v2) in revised["paths"] and str(v1) not in revised["paths"]
    assert [r.version for r in _reports(engine, "750000000")] == [1]


@pytest.mark.parametrize("kato", ["000000000", "510000000"])
def test_no_form_for_the_republic_or_abolished_regions(engine, kato):
    issued = issue_forms(YEAR, allow_empty=True)  # no facts loaded: which regions get a form is the question here
    assert issued["forms"] == 20
    assert not any(f"_{kato}_" in p for p in issued["paths"])
