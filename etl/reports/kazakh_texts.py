"""A Kazakh sheet is Kazakh throughout: a catalogue text without its Kazakh counterpart stops the issue.

Why an error and not a fallback: the Kazakh sheet printing a Russian override or activity (what
``COALESCE(kk, ru)`` used to do) is a wrong document that looks finished. The forms and lists of a region
are issued only when every text they print has a Kazakh version; the error names each missing item by
catalogue file, region, row and column, so the person who keeps the catalogue can add it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.catalogue.files import CatalogueError

_FIELDS = ("name", "unit", "responsible", "source")
_ACTIVITY_FIELDS = ("district", "name", "responsible", "source", "unit", "note")

# a region's own wording or body given in Russian only
_OVERRIDES = """
SELECT row_no, indicator_code, regional_name_ru, regional_name_kk, responsible_ru, responsible_kk
FROM sdg.appendix1_item WHERE kato_code = :kato ORDER BY string_to_array(row_no, '.')::int[]
"""
# the catalogue texts of the indicators on the region's list
_INDICATORS = f"""
SELECT DISTINCT i.code, {", ".join(f"i.{f}_ru, i.{f}_kk" for f in _FIELDS)}
FROM sdg.appendix1_item AS a JOIN sdg.indicator AS i ON i.code = a.indicator_code
WHERE a.kato_code = :kato ORDER BY i.code
"""
_ACTIVITIES = """
SELECT row_no, district_ru, district_kk, name_ru, name_kk, responsible_ru, responsible_kk, source_ru, source_kk,
       unit_ru, unit_kk, note_ru, note_kk
FROM sdg.activity WHERE kato_code = :kato AND year = :year ORDER BY district_ru, row_no
"""


def _missing(row, fields: tuple[str, ...]) -> list[str]:
    """Fields with a Russian text and no Kazakh one."""
    return [f"{f}_kk" for f in fields if (row[f"{f}_ru"] or "").strip() and not (row[f"{f}_kk"] or "").strip()]


def missing_kazakh(conn: Connection, kato_code: str, year: int | None = None) -> list[str]:
    """Every text the region's Kazakh sheets would print in Russian: Appendix 1 overrides, the indicators'
    catalogue texts and (with ``year``) the activities of that year."""
    params = {"kato": kato_code, "year": year}
    found = []
    for r in conn.execute(text(_OVERRIDES), params).mappings():
        for column in _missing(r, ("regional_name", "responsible")):
            found.append(
                f"catalogue/appendix1.csv: region {kato_code}, row {r['row_no']} ({r['indicator_code']}): "
                f"{column} is empty while {column[:-3]}_ru is given"
            )
    for r in conn.execute(text(_INDICATORS), params).mappings():
        found += [
            f"catalogue/indicators.csv: indicator {r['code']}: {column} is empty" for column in _missing(r, _FIELDS)
        ]
    if year is not None:
        for r in conn.execute(text(_ACTIVITIES), params).mappings():
            where = f"catalogue/activities.csv: region {kato_code}, {year}, row {r['row_no']}"
            where += f" ({r['district_ru']})" if r["district_ru"] else ""
            found += [f"{where}: {column} is empty" for column in _missing(r, _ACTIVITY_FIELDS)]
    return found


def require_kazakh(conn: Connection, kato_code: str, year: int | None = None) -> None:
    """Raise ``CatalogueError`` listing every missing Kazakh text of the region's sheets (nothing is issued)."""
    found = missing_kazakh(conn, kato_code, year)
    if found:
        listed = "; ".join(found)
        raise CatalogueError(
            f"the Kazakh sheet of region {kato_code} would print Russian text; add the Kazakh text of "
            f"{len(found)} item(s): {listed}"
        )
