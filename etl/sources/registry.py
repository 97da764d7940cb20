"""The sources the pipeline knows: one table, the only place a source is declared.

Everything per source derives from a row of :data:`SOURCES`: the class the catalogue and the ingest loop use, the
priority a series takes by default, and on the Airflow side (``plugins/sdg_airflow/sources.py``,
``dags/sdg_ingest.py``) the nightly DAG, its pool and its Celery queue. Adding a row is all a new source needs
here; nothing else names the sources (a test keeps it so), but for the default list of Celery queues in
``docker-compose.yml`` and ``.env.example``, which a test keeps equal to the table. Source modules are imported
only when used, so reading the table stays cheap for the DAG processor; and nothing here imports Airflow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from etl.sources.base import Source


@dataclass(frozen=True)
class SourceSpec:
    """One source: what fetches it, when, how hard, and how much its values count."""

    #: the catalogue name: ``catalogue/series/<name>.csv``, the ``sdg_ingest_<name>`` DAG, series keys ``<name>:``
    name: str
    #: the :class:`~etl.sources.base.Source` as ``"module:Class"``, imported only when used
    target: str
    #: when the nightly ingestion runs (Asia/Almaty)
    cron: str
    #: requests at a time: the size of the source's pool, and so the fewest chunks its series are split into
    slots: int
    #: when several sources have a value for a cell, the lowest wins (a catalogue row may set its own)
    priority: int
    #: what is fetched, for the DAG's page and the pool's description
    what: str

    @property
    def pool(self) -> str:
        """The Airflow pool that bounds the source's requests at a time."""
        return f"sdg_{self.name}"

    @property
    def queue(self) -> str:
        """The Celery queue of the source's ingestion tasks: a slow source cannot starve the others' workers."""
        return f"sdg_{self.name}"


#: catalogue name -> its row, in the order of the priorities (the order of the queues a worker is given)
SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec(
            name="taldau",
            target="etl.sources.taldau.source:TaldauSource",
            cron="0 2 * * *",
            slots=2,
            priority=10,  # the statistics office's own data first
            what="the Bureau of National Statistics' Taldau API",
        ),
        SourceSpec(
            name="files",
            target="etl.sources.files.source:FilesSource",
            cron="30 1 * * *",
            slots=1,
            priority=20,
            what="CSV/XLSX reports dropped by responsible bodies into the inbox",
        ),
        SourceSpec(
            name="opensdg",
            target="etl.sources.opensdg.source:OpenSdgSource",
            cron="30 2 * * *",
            slots=4,
            priority=30,
            what="the national SDG reporting platform (Open SDG data repository)",
        ),
        SourceSpec(
            name="sdmx",
            target="etl.sources.sdmx.source:SdmxSource",
            cron="0 3 * * *",
            slots=2,
            priority=40,
            what="SDMX REST endpoints (SDMX-ML 2.1, SDMX-JSON, SDMX-CSV 2.0)",
        ),
        SourceSpec(
            name="unsd",
            target="etl.sources.unsd.source:UnsdSource",
            cron="0 4 * * 1",
            slots=1,
            priority=50,
            what="the UN SDG Global Database API (weekly: it changes slowly)",
        ),
    )
}


def source_spec(name: str) -> SourceSpec:
    """The row of a source; an unknown name fails naming the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None


def source_class(name: str) -> type[Source]:
    module_name, class_name = source_spec(name).target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def get_source(name: str, **options: Any) -> Source:
    """An instance of the named source, configured from the environment unless options say otherwise."""
    return source_class(name)(**options)
