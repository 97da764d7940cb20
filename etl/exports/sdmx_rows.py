"""The project's facts as SDMX observations of the SDG data structure: one per indicator, region, cut and year.

- ``SERIES``: the cut's own ``SERIES`` code (the platform's national series, e.g. ``_L_KZ_010101_1C``), else the
  UN series the indicator is mapped to in ``catalogue/series/unsd.csv``, else a national code in the
  platform's style from the indicator number (``3.2.1`` → ``_L_KZ_030201``).
- ``REF_AREA``: ISO 3166-2 (``KZ`` the Republic, ``KZ-11`` Akmola region): the SDG code list (M49) has no
  codes for Kazakhstan's regions; the project's SDMX ingest reads the same scheme (``area_scheme iso3166_2``).
- breakdowns (SEX, AGE, ...): the cut's codes, ``_T`` where the cut has none; a cut naming a dimension the DSD
  lacks is an error naming the indicator.
- ``OBS_VALUE`` at the indicator's precision (plain notation), ``OBS_STATUS`` A (final) / P (preliminary) /
  E (estimate), ``NATURE`` C (country data) or CA (country adjusted: computed by the project's formula),
  ``UNIT_MEASURE`` the cut's unit or the indicator's, ``UNIT_MULT`` 0. Only filled facts are exported.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.exports import warehouse
from etl.exports.numbers import plain
from etl.exports.sdmx_structure import BREAKDOWNS

_OBS_STATUS = {"final": "A", "preliminary": "P", "estimate": "E"}
_UN_SERIES = """
SELECT m.indicator_code, min(s.params->>'series_code') FROM sdg.indicator_series AS m
JOIN sdg.series AS s ON s.series_key = m.series_key WHERE s.source = 'unsd' GROUP BY 1
"""


@dataclass(frozen=True)
class SdmxObservation:
    indicator_code: str
    key: dict[str, str]  # every dimension of DIMENSIONS
    time_period: str
    value: str
    attributes: dict[str, str]

    def series_key(self) -> tuple[str, ...]:
        return tuple(self.key.values())


def observations(conn: Connection, year: int) -> list[SdmxObservation]:
    """Every filled fact up to ``year`` as an observation; two facts on one SDMX key are an error."""
    areas = warehouse.region_codes(conn, "iso3166_2")
    un_series: dict[str, str | None] = dict(conn.execute(text(_UN_SERIES)).all())
    result: dict[tuple, SdmxObservation] = {}
    for fact in warehouse.facts(conn, year):
        if fact.kato_code not in areas:
            raise LookupError(
                f"region {fact.kato_code} has no iso3166_2 code in sdg.region_alias (fact {fact.indicator_code})"
            )
        obs = _observation(fact, areas[fact.kato_code], un_series.get(fact.indicator_code))
        at = (*obs.series_key(), obs.time_period)
        if at in result:
            raise LookupError(
                f"indicators {result[at].indicator_code} and {fact.indicator_code} give the same SDMX key {at}: "
                "give one of them a SERIES in its platform cut"
            )
        result[at] = obs
    return sorted(result.values(), key=lambda o: (*o.series_key(), o.time_period))


def _observation(fact: warehouse.Fact, area: str, un_series: str | None) -> SdmxObservation:
    codes = dict(part.split("=", 1) for part in fact.cut.split("|") if part)
    unit = codes.pop("UNIT_MEASURE", "") or fact.unit_code
    series = codes.pop("SERIES", "") or un_series or national_series(fact.indicator_code)
    unknown = sorted(set(codes) - set(BREAKDOWNS))
    if unknown:
        raise LookupError(
            f"indicator {fact.indicator_code}: cut {fact.cut!r} names {unknown}, not dimensions of the SDG DSD"
        )
    key = {"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": series, "REF_AREA": area}
    key.update({dim: codes.get(dim, "_T") for dim in BREAKDOWNS})
    attributes = {
        "UNIT_MEASURE": unit,
        "UNIT_MULT": "0",
        "OBS_STATUS": _OBS_STATUS.get(fact.status, "A"),
        "NATURE": "C" if fact.formula == "direct" else "CA",
    }
    return SdmxObservation(fact.indicator_code, key, str(fact.year), plain(fact.value, fact.decimals), attributes)


def national_series(code: str) -> str:
    """``3.2.1`` → ``_L_KZ_030201``, ``16.3.2.1`` → ``_L_KZ_16030201``, ``1.a.2`` → ``_L_KZ_010A02``."""
    return "_L_KZ_" + "".join(part.upper().zfill(2) for part in code.split("."))
