"""``sdg export sdmx``: the project's facts up to a year as SDMX-CSV 2.0 and SDMX-ML, with their structure.

Writes ``sdg_kz_<year>.csv`` (SDMX-CSV 2.0), ``sdg_kz_<year>.xml`` (structure-specific SDMX-ML 2.1) and
``structure.xml`` (the DSD and dataflow, which SDMX-CSV and structure-specific data need to be read).
The same warehouse gives the same bytes: the messages' prepared time is the newest fact's ``computed_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.exports.files import write_atomically
from etl.exports.sdmx_csv import to_csv
from etl.exports.sdmx_ml import to_xml
from etl.exports.sdmx_rows import observations
from etl.exports.sdmx_structure import structure_xml

STRUCTURE_FILE = "structure.xml"


@dataclass(frozen=True)
class SdmxExport:
    year: int
    observations: int
    csv: Path
    xml: Path
    structure: Path


def export_sdmx(conn: Connection, year: int, out: Path) -> SdmxExport:
    rows = observations(conn, year)
    prepared = conn.execute(
        text("SELECT max(computed_at) FROM sdg.indicator_value WHERE year <= :y"), {"y": year}
    ).scalar_one() or datetime(year + 1, 1, 1, tzinfo=UTC)
    prepared = prepared.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    csv_path, xml_path, structure_path = out / f"sdg_kz_{year}.csv", out / f"sdg_kz_{year}.xml", out / STRUCTURE_FILE
    write_atomically(csv_path, to_csv(rows))
    write_atomically(xml_path, to_xml(rows, prepared, f"SDG_KZ_{year}"))
    write_atomically(structure_path, structure_xml(prepared))
    return SdmxExport(year, len(rows), csv_path, xml_path, structure_path)
