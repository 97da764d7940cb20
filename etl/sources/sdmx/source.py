"""SDMX as a pipeline source: catalogue columns, fetch (structure, then data), parse into observations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from etl.sources.base import ParseResult, RegionLookup
from etl.sources.sdmx.client import _SAFE_PART, SdmxClient
from etl.sources.sdmx.formats import FORMATS
from etl.sources.sdmx.parse import to_frame
from etl.sources.sdmx.read import read_data, read_structure
from etl.sources.series import CatalogueError

if TYPE_CHECKING:
    from etl.sources.http import Fetched
    from etl.sources.series import Row, Series

#: alias schemes of ``sdg.region_alias`` that REF_AREA codes may use
AREA_SCHEMES = frozenset({"m49", "iso3166_2", "kato", "opensdg", "taldau_term", "name_ru"})


class SdmxSource:
    """Any SDMX REST endpoint (``SDG_SDMX_URL``): ``/data/<flow>/<key>`` in SDMX-ML, SDMX-JSON or SDMX-CSV 2.0."""

    name: ClassVar[str] = "sdmx"
    #: catalogue columns beyond the common ones
    columns: ClassVar[tuple[str, ...]] = ("flow", "key", "format", "area_scheme", "totals", "structure_url")

    def __init__(self, client: SdmxClient | None = None, base_url: str | None = None) -> None:
        self.client = client or SdmxClient(base_url)
        #: structure messages fetched in this run, by structure_url (SDMX-CSV needs the DSD to be read)
        self._structures: dict[str, bytes] = {}

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        fmt = row.text("format")
        if fmt not in FORMATS:
            raise CatalogueError(f"{row.where('format')}: expected one of {sorted(FORMATS)}, got {fmt!r}")
        scheme = row.text("area_scheme")
        if scheme not in AREA_SCHEMES:
            raise CatalogueError(f"{row.where('area_scheme')}: expected one of {sorted(AREA_SCHEMES)}, got {scheme!r}")
        structure_url = row.text("structure_url", required=False)
        if fmt == "sdmx-csv" and not structure_url:
            raise CatalogueError(
                f"{row.where('structure_url')}: SDMX-CSV is read with its data structure; give its URL"
            )
        return {
            "flow": _safe(row, "flow", required=True),
            "key": _safe(row, "key", required=False),
            "format": fmt,
            "area_scheme": scheme,
            "totals": _totals(row),
            "structure_url": structure_url,
        }

    def fetch(self, series: Series) -> Iterator[Fetched]:
        p = series.params
        if p["structure_url"]:
            structure = self.client.get_structure(p["structure_url"])
            self._structures[p["structure_url"]] = structure.content
            yield structure
        yield self.client.get_data(p["flow"], p["key"], p["format"])

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        p = series.params
        if "detail" in fetched.params:  # the structure answer: checked here, used by the data answer
            dsd = read_structure(fetched.content, fetched.url)
            return ParseResult(notes=[f"data structure {dsd.id} read from {fetched.url}"])
        observations = read_data(fetched.content, p["format"], fetched.url, self._structure(p["structure_url"]))
        return to_frame(
            observations,
            url=fetched.url,
            key=p["key"],
            area_scheme=p["area_scheme"],
            regions=regions.scheme(p["area_scheme"]),
            totals=p["totals"],
        )

    def _structure(self, structure_url: str) -> bytes | None:
        if structure_url and structure_url not in self._structures:
            self._structures[structure_url] = self.client.get_structure(structure_url).content
        return self._structures.get(structure_url)


def _safe(row: Row, column: str, required: bool) -> str:
    value = row.text(column, required=required)
    if not _SAFE_PART.match(value):
        raise CatalogueError(f"{row.where(column)}: only letters, digits and _@$-.,+* are allowed, got {value!r}")
    return value


def _totals(row: Row) -> dict[str, str]:
    """``SEX=_T;AGE=ALLAGE``: the code that means "total" per dimension (``_T`` and empty always do)."""
    raw = row.text("totals", required=False)
    totals = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        dim, sep, code = part.partition("=")
        if not sep or not dim.strip() or not code.strip():
            raise CatalogueError(f"{row.where('totals')}: expected DIM=CODE;DIM=CODE, got {raw!r}")
        totals[dim.strip()] = code.strip()
    return totals
