"""Write the bundled UN SDG API samples: two series for Kazakhstan, two pages each, SYNTHETIC values.

The shape follows a live capture of ``/v1/sdg/Series/Data`` (``shared/reference/unsd``): paging fields,
code lists, and rows with ``value`` as text. Deterministic, standard library only:

    python samples/make_unsd_samples.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "unsd" / "v1" / "sdg" / "Series" / "Data"
PAGE_SIZE = 20
SOURCE_TEXT = "Bureau of National Statistics, Agency for Strategic Planning and Reforms of the Republic of Kazakhstan"

NATURE = [("C", "Country data", "C"), ("CA", "Country adjusted data", "CA"), ("E", "Estimated data", "E")]
UNITS = [("PERCENT", "Percentage", "PT")]
LOCATION = [("ALLAREA", "All areas", "_T"), ("URBAN", "Urban", "U"), ("RURAL", "Rural", "R")]
REPORTING = [("G", "Global", "G"), ("N", "National", "N"), ("R", "Regional", "R")]
SEX = [("BOTHSEX", "Both sexes", "_T"), ("FEMALE", "Female", "F"), ("MALE", "Male", "M")]
AGE = [("15+", "15 years old and over", "Y_GE15"), ("15-24", "15 to 24 years old", "Y15T24")]

SERIES = {
    "SI_POV_NAHC": {
        "indicator": "1.2.1",
        "description": "Proportion of population living below the national poverty line (%)",
        "dimensions": {"Location": LOCATION, "Reporting Type": REPORTING},
        "cuts": [{"Location": code, "Reporting Type": "G"} for code, _, _ in LOCATION],
        "years": range(2015, 2023),
        "base": {"ALLAREA": 4.6, "URBAN": 2.9, "RURAL": 6.8},
        # value forms of the real API besides numbers (both land on page 2)
        "odd": {("RURAL", 2021): "NaN", ("RURAL", 2022): "<5"},
    },
    "SL_TLF_UEM": {
        "indicator": "8.5.2",
        "description": "Unemployment rate, by sex and age (%)",
        "dimensions": {"Sex": SEX, "Age": AGE, "Reporting Type": REPORTING},
        "cuts": [{"Sex": s, "Age": a, "Reporting Type": "G"} for s, _, _ in SEX for a, _, _ in AGE],
        "years": range(2018, 2023),
        "base": {"BOTHSEX": 4.9, "FEMALE": 5.3, "MALE": 4.5},
        "odd": {("MALE", 2018): "N"},
    },
}


def _codes(items: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"code": code, "description": text, "sdmx": sdmx} for code, text, sdmx in items]


def _value(spec: dict, cut: dict[str, str], year: int, step: int) -> str:
    key = cut.get("Location") or cut["Sex"]
    odd = spec["odd"].get((key, year))
    if odd is not None and cut.get("Age", "15-24") == "15-24":
        return odd
    youth = 2.1 if cut.get("Age") == "15-24" else 1.0
    return f"{spec['base'][key] * youth - 0.23 * step + 0.07 * (year % 3):.1f}"


def _row(code: str, spec: dict, cut: dict[str, str], year: int, step: int) -> dict:
    goal, target = spec["indicator"].split(".")[0], ".".join(spec["indicator"].split(".")[:2])
    return {
        "goal": [goal],
        "target": [target],
        "indicator": [spec["indicator"]],
        "series": code,
        "seriesDescription": spec["description"],
        "seriesCount": "1620",
        "geoAreaCode": "398",
        "geoAreaName": "Kazakhstan",
        "timePeriodStart": float(year),
        "value": _value(spec, cut, year, step),
        "valueType": "Float",
        "time_detail": None,
        "timeCoverage": None,
        "upperBound": None,
        "lowerBound": None,
        "basePeriod": None,
        "source": SOURCE_TEXT,
        "geoInfoUrl": None,
        "footnotes": ["SYNTHETIC value for the pipeline's demo and tests."],
        "attributes": {"Nature": "C", "Units": "PERCENT"},
        "dimensions": dict(cut),
    }


def pages(code: str, spec: dict, page_size: int = PAGE_SIZE) -> list[dict]:
    rows = [
        _row(code, spec, cut, year, step)
        for cut in spec["cuts"]
        for step, year in enumerate(spec["years"])
    ]  # fmt: skip
    total_pages = -(-len(rows) // page_size)
    head = {
        "attributes": [{"id": "Nature", "codes": _codes(NATURE)}, {"id": "Units", "codes": _codes(UNITS)}],
        "dimensions": [{"id": name, "codes": _codes(items)} for name, items in spec["dimensions"].items()],
    }
    return [
        {
            "size": page_size,
            "totalElements": len(rows),
            "totalPages": total_pages,
            "pageNumber": number,
            **head,
            "data": rows[(number - 1) * page_size : number * page_size],
        }
        for number in range(1, total_pages + 1)
    ]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for code, spec in SERIES.items():
        for page in pages(code, spec):
            name = f"{code}-a398-p{page['pageNumber']}-s{PAGE_SIZE}.json"
            (OUT / name).write_text(json.dumps(page, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(OUT / name)


if __name__ == "__main__":
    main()
