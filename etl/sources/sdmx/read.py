"""Raw SDMX answers into :class:`Observations`: SDMX-ML and SDMX-CSV 2.0 through sdmx1, SDMX-JSON here.

Every failure becomes a :class:`SourceError` naming the URL: an HTML page, a truncated or broken body,
an SDMX error message, SDMX-CSV 1.0, and any XML with a DOCTYPE. XML is first parsed by a hardened lxml
parser (no entity resolution, no DTD loading, no network); a DOCTYPE is rejected outright, because
SDMX-ML never needs one and it is how external entities (XXE) get in. Only then does sdmx1 see the bytes.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from etl.sources.errors import SourceError
from etl.sources.sdmx.records import TIME_DIMENSION, Observations, RawObs
from etl.sources.sdmx.sdmxjson import read_json

SOURCE = "sdmx"


def read_data(content: bytes, data_format: str, url: str, structure: bytes | None = None) -> Observations:
    """Observations of one data message in ``data_format`` (``sdmx-ml``, ``sdmx-json``, ``sdmx-csv``)."""
    text = _decode(content, url)
    if data_format == "sdmx-json":
        return read_json(text, url)
    if data_format == "sdmx-ml":
        root_tag = screen_xml(content, url)
        if root_tag == "StructureSpecificData" and structure is None:
            raise SourceError(
                SOURCE, url, "structure-specific SDMX-ML is read with its structure: declare structure_url"
            )
        kwargs = {"structure": read_structure(structure, url)} if structure is not None else {}
        return _from_message(_sdmx_read(content, "XML", url, **kwargs), url)
    if data_format == "sdmx-csv":
        _check_csv(text, url)
        if structure is None:
            raise SourceError(SOURCE, url, "SDMX-CSV needs the data structure: declare structure_url for the series")
        dsd = read_structure(structure, url)
        return _from_message(_sdmx_read(content, "CSV", url, structure=dsd), url)
    raise SourceError(SOURCE, url, f"unknown format {data_format!r}")


def read_structure(content: bytes, url: str) -> Any:
    """The one data structure (DSD) of an SDMX-ML structure message, as an sdmx1 object."""
    _decode(content, url)
    screen_xml(content, url)
    message = _sdmx_read(content, "XML", url)
    structures = list(getattr(message, "structure", {}).values())
    if len(structures) != 1:
        ids = [s.id for s in structures]
        raise SourceError(SOURCE, url, f"expected one data structure in the structure message, got {ids}")
    return structures[0]


def screen_xml(content: bytes, url: str) -> str:
    """Parse with a hardened parser; reject any DOCTYPE (external entities, XXE) and malformed XML.

    Returns the local name of the root element.
    """
    from lxml import etree

    if b"<!DOCTYPE" in content:
        raise SourceError(SOURCE, url, "XML with a DOCTYPE declaration is refused (entities are not allowed)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(SOURCE, url, f"invalid or truncated XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SourceError(SOURCE, url, "XML with a DOCTYPE declaration is refused (entities are not allowed)")
    return etree.QName(root).localname


def _decode(content: bytes, url: str) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(SOURCE, url, f"answer is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    head = text.lstrip()[:200].lower()
    if not head:
        raise SourceError(SOURCE, url, "answered an empty body")
    if head.startswith("<!doctype html") or head.startswith("<html"):
        raise SourceError(SOURCE, url, "answered an HTML page instead of SDMX: " + " ".join(text.split())[:120])
    return text


def _check_csv(text: str, url: str) -> None:
    """SDMX-CSV 2.0 starts with STRUCTURE,STRUCTURE_ID; every row has as many fields as the header."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0] if rows else []
    if header[:1] == ["DATAFLOW"]:
        raise SourceError(SOURCE, url, "answered SDMX-CSV 1.0 (DATAFLOW column); only SDMX-CSV 2.0 is readable")
    if header[:2] != ["STRUCTURE", "STRUCTURE_ID"]:
        raise SourceError(SOURCE, url, f"not SDMX-CSV 2.0: header starts {header[:3]}")
    for line, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(header):
            raise SourceError(
                SOURCE, url, f"truncated or malformed CSV: line {line} has {len(row)} fields, header {len(header)}"
            )


def _sdmx_read(content: bytes, fmt: str, url: str, **kwargs: Any) -> Any:
    import sdmx
    import sdmx.message

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # sdmx1's XML reader prints parse state on errors
            message = sdmx.read_sdmx(io.BytesIO(content), format=fmt, **kwargs)
    except Exception as exc:  # sdmx1 raises many types (XMLParseError, ValueError, AssertionError, ...)
        raise SourceError(SOURCE, url, f"sdmx1 could not read the {fmt} message: {type(exc).__name__}: {exc}") from exc
    if isinstance(message, sdmx.message.ErrorMessage):
        raise SourceError(SOURCE, url, f"answered an SDMX error message: {message.footer or message}")
    return message


def _from_message(message: Any, url: str) -> Observations:
    import sdmx.message

    if not isinstance(message, sdmx.message.DataMessage):
        raise SourceError(SOURCE, url, f"expected an SDMX data message, got {type(message).__name__}")
    result = Observations()
    for ds in message.data:
        ds_attrs = {k: _text(v.value) for k, v in getattr(ds, "attrib", {}).items()}
        for obs in ds.obs:
            key = {k: _text(v.value) for k, v in obs.key.values.items()}
            attrs = {**ds_attrs, **{k: _text(v.value) for k, v in obs.attrib.items()}}
            result.records.append(RawObs(key, None if obs.value is None else _text(obs.value), attrs))
        result.dimensions = _dimension_order(ds) or result.dimensions
    if result.records and not result.dimensions:
        result.dimensions = [d for d in result.records[0].key if d != TIME_DIMENSION]
    return result


def _dimension_order(ds: Any) -> list[str]:
    """Key order from the data structure (a CSV's columns may come in any order)."""
    dsd = getattr(ds, "structured_by", None)
    dims = sorted(getattr(dsd, "dimensions", None) or [], key=lambda d: d.order or 0)
    return [d.id for d in dims if d.id != TIME_DIMENSION]


def _text(value: Any) -> str:
    """A key or attribute value as text (sdmx1 gives str, Code or Period objects)."""
    return str(getattr(value, "id", None) or value) if value is not None else ""
