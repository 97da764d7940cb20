"""The three SDMX data formats this source asks for: catalogue name, Accept media type, file suffix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataFormat:
    name: str
    #: the Accept header that asks a REST endpoint for this format
    media_type: str
    #: suffix of a bundled sample answer in this format (replay server)
    suffix: str


FORMATS: dict[str, DataFormat] = {
    "sdmx-ml": DataFormat("sdmx-ml", "application/vnd.sdmx.genericdata+xml;version=2.1", ".xml"),
    "sdmx-json": DataFormat("sdmx-json", "application/vnd.sdmx.data+json;version=1.0.0", ".json"),
    "sdmx-csv": DataFormat("sdmx-csv", "application/vnd.sdmx.data+csv;version=2.0.0", ".csv"),
}
#: the Accept header of a structure (DSD) request
STRUCTURE_MEDIA_TYPE = "application/vnd.sdmx.structure+xml;version=2.1"
