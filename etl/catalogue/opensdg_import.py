"""``sdg catalogue import-opensdg``: the whole national catalogue from the national SDG platform's repository.

Writes two generated files (people edit the override files, not these):

- ``catalogue/indicators.csv``: every indicator of ``indicator-config/`` with code, goal, target, names
  ru/kk/en (the national wording where the platform has one, else the global), unit ru/kk (the
  ``UNIT_MEASURE`` translations), the platform id, kind (national/global) and reporting status;
- ``catalogue/series/opensdg.csv``: one series per ``data/indicator_<id>.csv``, mapped to its indicator
  when the platform publishes regional values: the total cut (only ``UNIT_MEASURE`` set) when there is
  exactly one, else the cut declared in ``catalogue/opensdg_cuts.csv``.

Judgement calls stay in small files the import reads: ``indicator_overrides.csv`` (any column of an
indicator: direction, decimals, bodies, a unit the platform lacks), ``opensdg_cuts.csv`` (the cut of an
indicator defined on a breakdown or published in several units), ``goal_bodies.csv`` (the regional body
answering for each goal, the default of ``responsible_ru``). Decimals default to what the platform
publishes for the mapped cut, directions to the unit's (``units.csv``).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from etl import config
from etl.catalogue.files import INDICATOR_COLUMNS, CatalogueError, read_rows
from etl.catalogue.model import load_regions
from etl.catalogue.opensdg_repo import OpenSdgRepository, indicator_sort_key
from etl.catalogue.units import Units, load_units
from etl.sources.errors import SourceError
from etl.sources.opensdg.parse import NATIONAL_KATO, UNIT_MEASURE, parse_indicator_csv

#: the generated indicator file's columns: the catalogue's own, then what the platform says of each
GENERATED_COLUMNS = (*INDICATOR_COLUMNS, "unit_code", "kind", "reporting_status")
SERIES_HEADER = ("series_key", "indicator_code", "dims", "formula", "scale", "unit_ru", "indicator_id")
OVERRIDABLE = (
    "name_ru",
    "name_kk",
    "name_en",
    "unit_ru",
    "unit_kk",
    "unit_code",
    "direction",
    "decimals",
    "responsible_ru",
    "responsible_kk",
    "source_ru",
    "source_kk",
)
DEFAULT_SOURCE = {"ru": "Бюро национальной статистики АСПиР РК", "kk": "ҚР СЖРА Ұлттық статистика бюросы"}
_DECIMALS = re.compile(r"[.,](\d+)\s*$")
MAX_DECIMALS = 6


@dataclass
class RegionalCut:
    """What the platform publishes for regions in one file: the cuts, and how precisely."""

    cuts: Counter = field(default_factory=Counter)
    #: cut → how many values are published with 0, 1, 2, … decimals
    places: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    regions: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


@dataclass
class ImportSummary:
    indicators: int = 0
    with_data: int = 0
    regional: int = 0
    mapped: dict[str, str] = field(default_factory=dict)
    unmapped: dict[str, str] = field(default_factory=dict)
    #: code → languages without a title on the platform (the Russian title stands in)
    untranslated: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"{self.indicators} indicators, {self.with_data} with data, {self.regional} with regional values, "
            f"{len(self.mapped)} of these mapped"
        ]
        out += [f"  not mapped {code}: {why}" for code, why in sorted(self.unmapped.items())]
        out += [
            f"  no {langs} title on the platform for {code}: Russian used" for code, langs in self.untranslated.items()
        ]
        return out


def import_opensdg(base: str, catalogue_dir: Path | None = None) -> ImportSummary:
    """Read the repository at ``base`` and rewrite the generated catalogue files (atomically, both or none)."""
    folder = catalogue_dir or config.catalogue_files_dir()
    repo = OpenSdgRepository(base)
    units = load_units(folder)
    overrides = _keyed_rows(folder, "indicator_overrides.csv", "code")
    declared_cuts = _keyed_rows(folder, "opensdg_cuts.csv", "indicator_id")
    bodies = _keyed_rows(folder, "goal_bodies.csv", "goal")
    # over HTTP nothing can be listed: the ids the catalogue already knows (series, indicators) are asked for
    known = list(_keyed_rows(folder, "series/opensdg.csv", "indicator_id"))
    known += [r["opensdg_id"] for r in _keyed_rows(folder, "indicators.csv", "code").values() if r.get("opensdg_id")]
    ids = repo.indicator_ids(known)
    if not ids:
        raise CatalogueError(f"{repo.base}: no indicators found in indicator-config/")
    names = {kind: repo.translations(kind) for kind in ("national_indicators", "global_indicators")}
    unit_names = repo.translations("UNIT_MEASURE")
    regions = {r.opensdg_code: r.kato_code for r in load_regions(folder) if r.opensdg_code}
    data_ids = repo.data_ids(ids)
    summary = ImportSummary(indicators=len(ids), with_data=len(data_ids))
    regional = {i: _regional_cuts(repo, i, regions) for i in data_ids}
    indicators, series = [], []
    dim_names: dict[str, dict[str, dict]] = {}
    for indicator_id in ids:
        config_yml = repo.yaml(f"indicator-config/{indicator_id}.yml")
        cut = regional.get(indicator_id)
        chosen, why = _choose_cut(indicator_id, cut, declared_cuts.get(indicator_id))
        row = _indicator_row(indicator_id, config_yml, names, unit_names, units, chosen, cut, repo.base)
        _name_the_cut(row, chosen, repo, dim_names)
        _apply_defaults(row, units, bodies, overrides.get(row["code"], {}))
        indicators.append(row)
        if row["untranslated"]:
            summary.untranslated[row["code"]] = row["untranslated"]
        if cut is not None and cut.cuts:
            summary.regional += 1
            if chosen is None:
                summary.unmapped[row["code"]] = why
            else:
                summary.mapped[row["code"]] = chosen
        if indicator_id in regional:
            series.append(_series_row(indicator_id, row, chosen))
    _check_codes(indicators)
    _write_all(
        folder, {"indicators.csv": (GENERATED_COLUMNS, indicators), "series/opensdg.csv": (SERIES_HEADER, series)}
    )
    return summary


def extend_typical_list(folder: Path, codes: list[str], classification: int = 2) -> list[str]:
    """Append indicators missing from the typical list (``*`` rows of appendix1.csv); existing rows stay as
    they are (row numbers, classifications, wording), so regions' own rows keep pointing at the same line."""
    path = folder / "appendix1.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    listed = {r["indicator_code"] for r in rows if r["kato_code"] == "*"}
    numbers = [int(r["row_no"]) for r in rows if r["kato_code"] == "*" and r["row_no"].isdigit()]
    added = [c for c in codes if c not in listed]
    for number, code in enumerate(added, start=max(numbers, default=0) + 1):
        rows.append(
            {
                **dict.fromkeys(header, ""),
                "kato_code": "*",
                "row_no": str(number),
                "indicator_code": code,
                "classification": str(classification),
            }
        )
    if added:
        _write_all(folder, {"appendix1.csv": (tuple(header), rows)})
    return added


def _regional_cuts(repo: OpenSdgRepository, indicator_id: str, regions: dict[str, str]) -> RegionalCut:
    """Cuts with a regional value (any status but missing), parsed the way the source parses them."""
    relative = f"data/indicator_{indicator_id}.csv"
    content = repo.read(relative) or b""
    try:
        frame = parse_indicator_csv(content, url=f"{repo.base}/{relative}", regions=regions).frame
    except SourceError as exc:
        raise CatalogueError(f"{relative}: {exc}") from exc
    cut = RegionalCut()
    regional = frame[(frame["kato_code"] != NATIONAL_KATO) & (frame["obs_status"] != "missing")]
    for dims, text, kato in zip(regional["dims"], regional["value_text"], regional["kato_code"], strict=True):
        cut.cuts[dims] += 1
        cut.regions[dims].add(kato)
        match = _DECIMALS.search(str(text))
        cut.places[dims][min(len(match.group(1)) if match else 0, MAX_DECIMALS)] += 1
    return cut


def published_decimals(places: Counter) -> int:
    """The precision the platform publishes: the most decimals found in at least a tenth of the values. A few
    long values are its export's float noise (3.2.2's «12.109920819748487»); the cell keeps them whole."""
    total = sum(places.values())
    return max((d for d, n in places.items() if n * 10 >= total), default=0)


def _choose_cut(indicator_id: str, cut: RegionalCut | None, declared: dict | None) -> tuple[str | None, str]:
    if cut is None or not cut.cuts:
        return None, "no regional values"
    if declared is not None:
        dims = declared.get("dims", "").strip()
        if dims not in cut.cuts:
            raise CatalogueError(
                f"opensdg_cuts.csv: {indicator_id}: declared cut {dims!r} has no regional values; "
                f"published: {sorted(cut.cuts)}"
            )
        return dims, ""
    totals = [d for d in cut.cuts if all(part.startswith(f"{UNIT_MEASURE}=") for part in d.split("|") if part)]
    if len(totals) == 1:
        return totals[0], ""
    if totals:
        return None, f"total published in several units {sorted(totals)}: declare one in opensdg_cuts.csv"
    return None, f"no total cut; breakdowns {sorted(cut.cuts)[:4]}…: declare one in opensdg_cuts.csv"


def _indicator_row(
    indicator_id: str,
    config_yml: dict,
    names: dict[str, dict[str, dict]],
    unit_names: dict[str, dict],
    units: Units,
    chosen: str | None,
    cut: RegionalCut | None,
    base: str,
) -> dict:
    code = str(config_yml.get("indicator_number") or indicator_id.replace("-", ".")).strip()
    name_key = str(config_yml.get("indicator_name") or "")
    kind = "national" if name_key.startswith("national_indicators.") else "global"
    row = {"code": code, "goal": code.split(".")[0], "target": ".".join(code.split(".")[:2])}
    for lang in ("ru", "kk", "en"):
        row[f"name_{lang}"] = _title(names, indicator_id, lang)
    if not row["name_ru"]:
        raise CatalogueError(f"{base}: indicator {code} has no Russian title in translations/ru/")
    row["untranslated"] = ",".join(lang for lang in ("kk", "en") if not row[f"name_{lang}"])
    for lang in ("kk", "en"):  # the platform gets some global titles from sdg-translations: Russian stands in
        row[f"name_{lang}"] = row[f"name_{lang}"] or row["name_ru"]
    unit_code = _unit_code(chosen, config_yml)
    unit = units.find(code=unit_code) if unit_code else units.find(text=_free_unit(config_yml))
    row["unit_code"] = unit.code if unit else unit_code
    platform_ru = _clean(unit_names["ru"].get(unit_code, "")) if unit_code else ""
    platform_kk = _clean(unit_names["kk"].get(unit_code, "")) if unit_code else ""
    row["unit_ru"] = platform_ru or (unit.unit_ru if unit else _free_unit(config_yml))
    row["unit_kk"] = platform_kk or (unit.unit_kk if unit else "")
    row["decimals"] = str(published_decimals(cut.places[chosen])) if cut and chosen else ""
    row.update(opensdg_id=indicator_id, kind=kind, reporting_status=str(config_yml.get("reporting_status") or ""))
    return row


def _name_the_cut(row: dict, chosen: str | None, repo: OpenSdgRepository, dim_names: dict) -> None:
    """A breakdown taken as the indicator is named after its title: «… (15-19)», in each language."""
    parts = [p.split("=", 1) for p in (chosen or "").split("|") if p and not p.startswith(f"{UNIT_MEASURE}=")]
    if not parts:
        return
    for lang in ("ru", "kk", "en"):
        labels = []
        for dim, code in parts:
            if dim not in dim_names:
                dim_names[dim] = repo.translations(dim)
            labels.append(_clean(dim_names[dim][lang].get(code) or code))
        row[f"name_{lang}"] = f"{row[f'name_{lang}']} ({', '.join(labels)})"


def _title(names: dict[str, dict[str, dict]], indicator_id: str, lang: str) -> str:
    """The national wording when the platform has one, else the global indicator's title."""
    key = f"{indicator_id}-title"
    return _clean(names["national_indicators"][lang].get(key) or names["global_indicators"][lang].get(key) or "")


def _unit_code(chosen: str | None, config_yml: dict) -> str:
    if chosen:
        for part in chosen.split("|"):
            if part.startswith(f"{UNIT_MEASURE}="):
                return part.split("=", 1)[1]
    units = str(config_yml.get("computation_units") or "")
    return units.split(",")[0].removeprefix("UNIT_MEASURE.").strip() if units.startswith("UNIT_MEASURE.") else ""


def _free_unit(config_yml: dict) -> str:
    units = str(config_yml.get("computation_units") or "")
    return _clean(units.removeprefix("data.")) if units.startswith("data.") else ""


def _apply_defaults(row: dict, units: Units, bodies: dict[str, dict], override: dict) -> None:
    """Unit and goal defaults, then the people's overrides (a non-empty cell wins)."""
    unit = units.find(row["unit_code"], row["unit_ru"])
    body = bodies.get(row["goal"], {})
    row.setdefault("direction", "")
    if not row["direction"] and unit and unit.direction is not None:
        row["direction"] = str(unit.direction)
    if not row["decimals"]:
        row["decimals"] = str(unit.decimals if unit else 1)
    row["responsible_ru"] = body.get("responsible_ru", "")
    row["responsible_kk"] = body.get("responsible_kk", "")
    row["source_ru"], row["source_kk"] = DEFAULT_SOURCE["ru"], DEFAULT_SOURCE["kk"]
    for column in OVERRIDABLE:
        value = (override.get(column) or "").strip()
        if value:
            row[column] = "" if value == "-" else value


def _series_row(indicator_id: str, row: dict, chosen: str | None) -> dict:
    return {
        "series_key": f"opensdg:{indicator_id}",
        "indicator_code": row["code"] if chosen is not None else "",
        "dims": chosen or "",
        "formula": "direct",
        "scale": "1",
        "unit_ru": row["unit_ru"] if chosen is not None else "",
        "indicator_id": indicator_id,
    }


def _clean(text: object) -> str:
    """Whitespace normalised, typographic hyphens as ASCII (the platform's titles wrap and mix them)."""
    return " ".join(str(text).replace("\u2010", "-").replace("\u2011", "-").split())


def _check_codes(rows: list[dict]) -> None:
    codes = Counter(r["code"] for r in rows)
    repeated = sorted(c for c, n in codes.items() if n > 1)
    if repeated:
        raise CatalogueError(f"indicator-config: indicator numbers {repeated} appear more than once")
    rows.sort(key=lambda r: indicator_sort_key(r["code"]))


def _keyed_rows(folder: Path, name: str, key: str) -> dict[str, dict]:
    """Rows of an optional catalogue file by ``key``; an absent file is empty."""
    if not (folder / name).exists():
        return {}
    return {row.text(key): row.data for row in read_rows(name, (key,), folder)}


def _write_all(folder: Path, files: dict[str, tuple[tuple[str, ...], list[dict]]]) -> None:
    """Write every file to a temporary name first, then replace them all: no half-written catalogue."""
    staged = []
    for name, (header, rows) in files.items():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        target = folder / name
        temp = target.with_name(f".{target.name}.tmp")
        temp.write_text(buffer.getvalue(), encoding="utf-8")
        staged.append((temp, target))
    for temp, target in staged:
        os.replace(temp, target)
