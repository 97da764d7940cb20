"""Quality units of work for DAG tasks (kept apart from ``etl.jobs``, which others edit)."""

from __future__ import annotations

import logging

from etl.warehouse.connection import get_engine

log = logging.getLogger(__name__)


def check_facts(year: int, url: str | None = None) -> dict:
    """Check the facts of ``year`` before forms are issued; raise :class:`QualityFailure` on a critical failure.

    The run, its results and the alert are committed before raising, so the evidence outlives the failed task.
    """
    from etl.quality.facts import check_indicator_values, empty_cells
    from etl.quality.outcome import QualityFailure
    from etl.quality.runner import build_data_docs

    with get_engine(url).begin() as conn:
        decision = check_indicator_values(conn, year)
    docs = build_data_docs()
    empty = empty_cells(decision)
    for outcome in decision.warnings:
        log.warning("%s", outcome.describe())
    if not decision.load:
        raise QualityFailure(decision, f"indicator_values {year}")
    return {"year": year, "run_id": decision.run_id, "warnings": len(decision.warnings), "empty_cells": len(empty),
            "data_docs": str(docs)}  # fmt: skip
