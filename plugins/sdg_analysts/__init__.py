"""The analysts' page in the Airflow UI: a region's indicators, charts, issued reports and data quality.

A FastAPI app (``app.create_app``) registered by the Airflow plugin in ``sdg_analysts_plugin.py``; it reads
the warehouse as the read-only ``sdg_analyst`` role (``database``). See docs/analysts-page.md.
"""
