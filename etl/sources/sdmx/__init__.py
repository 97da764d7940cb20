"""SDMX REST endpoints (SDMX-ML 2.1, SDMX-JSON, SDMX-CSV 2.0) as a pipeline source, read through sdmx1.

``sdmx`` (the sdmx1 library) is imported only inside functions, so DAG files and ``etl.jobs`` stay light.
"""
