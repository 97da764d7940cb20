"""Data quality with Great Expectations: suites in ``expectations/``, gates before loads and reports.

In: a batch of parsed observations (before its load), the mirrored catalogue, or a year's facts (before forms).
Out: recorded runs and results (``sdg.quality_run``), quarantined batches or rows, Data Docs, and an alert.
Nothing here imports ``great_expectations`` at module level (5–6 s, ~230 MB): only
:mod:`etl.quality.runner` does, inside its functions, so DAG files and ``etl.jobs`` stay fast to import.
"""
