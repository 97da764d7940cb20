"""Data quality with Great Expectations: suites in ``expectations/``, gates before loads and reports.

Nothing here imports ``great_expectations`` at module level (5–6 s, ~230 MB): only
:mod:`etl.quality.runner` does, inside its functions, so DAG files and ``etl.jobs`` stay fast to import.
"""
