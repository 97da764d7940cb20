"""The sources the pipeline knows, by catalogue name; modules are imported only when used."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etl.sources.base import Source

#: catalogue name -> "module:Class"
SOURCES: dict[str, str] = {
    "taldau": "etl.sources.taldau.source:TaldauSource",
    "opensdg": "etl.sources.opensdg.source:OpenSdgSource",
    "unsd": "etl.sources.unsd.source:UnsdSource",
    "sdmx": "etl.sources.sdmx.source:SdmxSource",
    "files": "etl.sources.files.source:FilesSource",
}


def source_class(name: str) -> type[Source]:
    try:
        module_name, class_name = SOURCES[name].split(":")
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None
    return getattr(importlib.import_module(module_name), class_name)


def get_source(name: str, **options: Any) -> Source:
    """An instance of the named source, configured from the environment unless options say otherwise."""
    return source_class(name)(**options)
