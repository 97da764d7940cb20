"""Ingestion, one declared series at a time: fetch → snapshot (raw kept) → parse → quality gate → load.

In: a series and its source (:mod:`etl.sources`). Out: snapshots on disk and in ``sdg.snapshot``, observations and
their vintages in ``sdg.observation`` (through :mod:`etl.warehouse.observations`); what the gate holds goes to
the quarantine (:mod:`etl.quality`). A run's outcome per series is read from ``sdg.series_status``.
"""
