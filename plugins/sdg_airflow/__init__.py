"""Airflow-specific glue for the SDG pipeline (the ``etl`` library itself never imports Airflow)."""
