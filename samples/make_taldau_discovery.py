"""Write synthetic Taldau discovery answers (GetPeriodList, GetSegmentList, GetIndexAttributes) for the samples.

The shapes are those of ``shared/reference/taldau``; the contents describe the bundled sample series: each
index is published yearly (and, to make the choice real, as a cumulative quarter), has its catalogue
segment plus a wider one without the region dictionary, and its catalogue unit. Synthetic, like the data.
Run once while ``catalogue/series/taldau.csv`` declares every series' dictionaries:
``python samples/make_taldau_discovery.py``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "taldau"
CATALOGUE = Path(__file__).resolve().parents[1] / "catalogue" / "series" / "taldau.csv"
DIC_NAMES = {67: "Регионы", 576: "Пол", 749: "Тип местности", 915: "Виды экономической деятельности"}
REPUBLIC = 741880


def _write(path: Path, payload: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _segment(dics: list[int], totals: list[int]) -> dict:
    roots = [REPUBLIC if d == 67 else totals.pop(0) for d in dics]
    return {
        "dicId": " + ".join(map(str, dics)),
        "names": " + ".join(DIC_NAMES.get(d, str(d)) for d in dics),
        "termIds": " " + ",".join(map(str, roots)),
        "termNames": " + ".join("РЕСПУБЛИКА КАЗАХСТАН" if d == 67 else "Всего" for d in dics),
        "dicCount": len(dics),
    }


def main() -> None:
    with CATALOGUE.open(encoding="utf-8", newline="") as handle:
        series = [row for row in csv.DictReader(handle) if row["dics"]]
    for row in series:
        index, period = int(row["index_id"]), int(row["period_id"])
        dics = [int(d) for d in row["dics"].split(",")]
        totals = [int(t) for t in row["total_terms"].split(";") if t]
        offered = [{"id": period, "name": "Год"}, {"id": 9, "name": "Квартал с накоплением"}]
        _write(ROOT / "GetPeriodList" / f"{index}.json", offered)
        wider = {"dicId": "915", "names": "Виды экономической деятельности", "termIds": " 741885", "dicCount": 1}
        _write(ROOT / "GetSegmentList" / f"{index}-p{period}.json", [wider, _segment(dics, list(totals))])
        attributes = {"id": index, "name": f"Показатель {index}", "measureName": row["unit_ru"], "measureId": 1}
        _write(ROOT / "GetIndexAttributes" / f"{index}-p{period}.json", attributes)
    print(f"wrote discovery answers for {len(series)} series to {ROOT}")


if __name__ == "__main__":
    main()
