"""Generate the demo's bundled Taldau ``GetIndexData`` responses.

The VALUES ARE SYNTHETIC (seeded random numbers with a gentle trend); only the
response SHAPE is real: a JSON list of ``{"terms", "termNames", "periods"}``
objects, values as strings (``"12.5"``, ``"12,5"``, ``"123"``, ``"x"`` =
suppressed, ``"-"``/``""`` = no data). Reads ``catalogue/regions.csv`` and
``catalogue/series/taldau.csv``; writes one file per series to
``samples/taldau/GetIndexData/<index>-p<period>-d<dics joined by _>.json`` and
``samples/README.md``. Standard library only; the output is deterministic.

Run from anywhere: ``python samples/make_taldau_samples.py``.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "catalogue"
OUT_DIR = ROOT / "samples" / "taldau" / "GetIndexData"
README = ROOT / "samples" / "README.md"

SEED = "sdg-kz-taldau-samples-v1"
YEARS = range(2015, 2026)
REPORT_YEAR = 2025
BOM_SERIES_INDEX = 0  # exactly one file (the first series) starts with a UTF-8 BOM

# Non-region dictionary terms besides the totals. The ids are SYNTHETIC placeholders
# (99xxxxxx), not real Taldau term ids; the "Всего" ids come from catalogue/series/taldau.csv.
OTHER_TERMS: dict[str, list[tuple[int, str, float]]] = {
    "576": [(99000001, "Мужчины", 1.12), (99000002, "Женщины", 0.88)],
    "749": [(99000011, "Городская местность", 0.92), (99000012, "Сельская местность", 1.10)],
}
TOTAL_NAME = "Всего"


@dataclass(frozen=True)
class Profile:
    """How plausible values for one indicator look: national level, yearly change, limits."""

    base: float
    trend: float
    spread: float
    decimals: int
    low: float = 0.0
    high: float | None = None


PROFILES: dict[str, Profile] = {
    "1.2.1": Profile(4.6, -0.12, 0.45, 1, high=100.0),
    "3.1.1": Profile(14.0, -0.4, 0.5, 1),
    "3.1.2": Profile(99.4, 0.03, 0.005, 1, high=100.0),
    "3.2.1": Profile(10.8, -0.3, 0.3, 2),
    "3.2.2": Profile(5.6, -0.15, 0.3, 2),
    "3.6.1": Profile(15.0, -0.45, 0.4, 1),
    "4.2.2": Profile(88.0, 0.9, 0.08, 1, high=100.0),
    "6.3.1": Profile(68.0, 1.1, 0.2, 1, high=100.0),
    "7.1.1": Profile(94.0, 0.35, 0.04, 1, high=100.0),
    "8.5.2": Profile(4.9, -0.02, 0.12, 1, high=100.0),
    "8.6.1": Profile(8.2, -0.2, 0.3, 1, high=100.0),
    "9.2.1": Profile(11.5, 0.12, 0.6, 1, high=100.0),
    "9.5.1": Profile(0.14, 0.003, 0.6, 2, high=100.0),
}
#: operand series of computed indicators (catalogue/formulas.csv), keyed by series: counts, not rates
SERIES_PROFILES: dict[str, Profile] = {
    "taldau:703834:p7": Profile(960_000.0, 9_000.0, 0.45, 0),  # average annual population, persons
    "taldau:703917:p7": Profile(160.0, -3.0, 0.45, 0),  # deaths by suicide, persons
}
DEFAULT_PROFILE = Profile(50.0, 0.5, 0.2, 1, high=100.0)


@dataclass(frozen=True)
class Region:
    """One row of the response's region dictionary (67)."""

    term: int
    name: str
    first_year: int
    is_republic: bool


def taldau_name(name_ru: str) -> str:
    """Taldau writes region names in upper case, cities as ``Г.<NAME>``."""
    if name_ru.startswith("город "):
        return "Г." + name_ru.removeprefix("город ").upper()
    return name_ru.upper()


def load_regions() -> list[Region]:
    """The Republic and the current regions (no ``valid_to``), in catalogue order."""
    with (CATALOGUE / "regions.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["valid_to"] and r["taldau_term_id"]]
    rows.sort(key=lambda r: int(r["sort_order"]))
    regions = []
    for r in rows:
        # a region has values from the year it was formed (Turkestan and Shymkent 2018; Abai, Zhetysu, Ulytau 2022)
        first_year = max(YEARS[0], int(r["valid_from"][:4])) if r["valid_from"] else YEARS[0]
        regions.append(
            Region(
                term=int(r["taldau_term_id"]),
                name=taldau_name(r["name_ru"]),
                first_year=first_year,
                is_republic=r["kind"] == "country",
            )
        )
    return regions


def load_series() -> list[dict[str, str]]:
    """Catalogue rows; a series left to discovery takes its segment from the sample GetSegmentList answer."""
    with (CATALOGUE / "series" / "taldau.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if not row["dics"]:
            answer = OUT_DIR.parent / "GetSegmentList" / f"{row['index_id']}-p{row['period_id']}.json"
            segment = next(s for s in json.loads(answer.read_text(encoding="utf-8")) if "67" in s["dicId"].split(" + "))
            dics = [d.strip() for d in segment["dicId"].split("+")]
            roots = [t.strip() for t in segment["termIds"].split(",")]
            row["dics"] = ",".join(dics)
            row["total_terms"] = ";".join(t for d, t in zip(dics, roots, strict=True) if d != "67")
    return rows


def other_dimensions(series: dict[str, str]) -> list[list[tuple[int, str, float]]]:
    """For each non-region dictionary: its totals term first, then the breakdown terms."""
    dics = series["dics"].split(",")[1:]
    totals = [t for t in series["total_terms"].split(";") if t]
    if len(dics) != len(totals):
        raise ValueError(f"{series['series_key']}: {len(dics)} extra dictionaries, {len(totals)} totals")
    pairs = zip(dics, totals, strict=True)
    return [[(int(tot), TOTAL_NAME, 1.0), *OTHER_TERMS.get(dic, [])] for dic, tot in pairs]


def fmt(value: float, decimals: int, style: str) -> str:
    """Render a number the way Taldau does: decimal point, decimal comma, or an integer."""
    if style == "int":
        return str(round(value))
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if style == "comma" else text


def clamp(value: float, prof: Profile) -> float:
    value = max(value, prof.low)
    return min(value, prof.high) if prof.high is not None else value


def region_values(rng: random.Random, prof: Profile, factor: float) -> dict[int, float]:
    """A gently trending yearly path for one region/breakdown cell."""
    level = prof.base * factor
    out = {}
    for i, year in enumerate(YEARS):
        noise = rng.uniform(-0.015, 0.015) * prof.base
        out[year] = clamp(level + prof.trend * factor * i + noise, prof)
    return out


def pick_report_gaps(rng: random.Random, regions: list[Region]) -> dict[int, str]:
    """In the reporting year one region is suppressed ("x") and one has no data ("-")."""
    candidates = [r.term for r in regions if not r.is_republic]
    suppressed, missing = rng.sample(candidates, 2)
    return {suppressed: "x", missing: "-"}


def cell(rng: random.Random, region: Region, year: int, value: float, ctx: dict) -> str:
    """The raw text of one period value, with the occasional gap or odd format."""
    if year < region.first_year:
        return ""
    if year == REPORT_YEAR:
        if region.term in ctx["gaps"]:
            return ctx["gaps"][region.term]
        return fmt(value, ctx["decimals"], ctx["style"])
    roll = rng.random()
    if not region.is_republic and roll < 0.02:
        return rng.choice(["x", "-", ""])
    style = "int" if roll > 0.96 else ctx["style"]
    return fmt(value, ctx["decimals"], style)


def build_series(index: int, series: dict[str, str], regions: list[Region]) -> list[dict]:
    rng = random.Random(f"{SEED}:{series['series_key']}")
    prof = SERIES_PROFILES.get(series["series_key"]) or PROFILES.get(series["indicator_code"], DEFAULT_PROFILE)
    ctx = {
        "decimals": prof.decimals,
        "style": "comma" if index % 2 else "dot",
        "gaps": pick_report_gaps(rng, regions),
    }
    combos = list(itertools.product(*other_dimensions(series)))
    rows = []
    for region in regions:
        region_factor = 1.0 if region.is_republic else max(0.1, 1.0 + rng.gauss(0.0, prof.spread))
        for combo in combos:
            factor = region_factor
            for _, _, f in combo:
                factor *= f
            path = region_values(rng, prof, factor)
            periods = [
                {"name": f"{y} год", "date": f"31.12.{y}", "value": cell(rng, region, y, path[y], ctx)} for y in YEARS
            ]
            rows.append(
                {
                    "terms": [region.term, *(t for t, _, _ in combo)],
                    "termNames": [region.name, *(n for _, n, _ in combo)],
                    "periods": periods,
                }
            )
    return rows


def file_name(series: dict[str, str]) -> str:
    dics = series["dics"].replace(",", "_")
    return f"{series['index_id']}-p{series['period_id']}-d{dics}.json"


README_TEXT = """# Sample Taldau responses (synthetic values)

`taldau/GetIndexData/*.json` are the demo's bundled answers of Taldau's
`/ru/Api/GetIndexData/<index>?period=<period>&dics=<dics>`, one file per Taldau series in
`catalogue/series/taldau.csv`, named `<index>-p<period>-d<dics with commas replaced by _>.json`.

- **The values are synthetic** (seeded random numbers with a gentle trend). They are not
  statistics and must never be reported as such.
- **The shape is real**: a JSON list of `{"terms", "termNames", "periods"}` objects, one per
  combination of dictionary terms; `terms[0]` is the region term of dictionary 67 (741880 = the
  Republic, then the 20 current regions), region names in Taldau's upper case; `periods` are
  `{"name": "2023 год", "date": "31.12.2023", "value": "4,7"}` for 2015-2025.
- Values are strings in every form the real API uses: `"12.5"`, decimal comma `"12,5"`,
  integers `"123"`, `"x"` (suppressed), `"-"` and `""` (no data). Abai, Zhetysu and Ulytau
  regions have values only from 2022. In 2025 every series has one region with `"x"` and one
  with `"-"`; all others have numbers.
- Multi-dictionary series return every combination of terms: the totals (`"Всего"`, term ids
  from `catalogue/series/taldau.csv`) plus breakdown rows. The breakdown term ids (`99000001`
  "Мужчины", `99000002` "Женщины", `99000011`/`99000012` urban/rural) are synthetic placeholders.
- Exactly one file ({bom_file}) starts with a UTF-8 byte order mark, as the real API
  sometimes sends one.

Regenerate (deterministic, standard library only) after editing the catalogue:

```
python samples/make_taldau_samples.py
```
"""


def main() -> None:
    regions = load_regions()
    series_list = load_series()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    written = set()
    for index, series in enumerate(series_list):
        name = file_name(series)
        text = json.dumps(build_series(index, series, regions), ensure_ascii=False, indent=1) + "\n"
        encoding = "utf-8-sig" if index == BOM_SERIES_INDEX else "utf-8"
        (OUT_DIR / name).write_text(text, encoding=encoding)
        written.add(name)
    for stale in OUT_DIR.glob("*.json"):
        if stale.name not in written:
            stale.unlink()
    bom_file = f"`{file_name(series_list[BOM_SERIES_INDEX])}`" if series_list else "none"
    README.write_text(README_TEXT.replace("{bom_file}", bom_file), encoding="utf-8")
    print(f"wrote {len(written)} files to {OUT_DIR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
