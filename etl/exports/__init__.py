"""Exports of the warehouse's values in other systems' formats: the national platform's CSVs, SDMX.

Exports are not issued reports: they are written again on every run (same warehouse, same bytes) into a
folder the caller names, for another system to take up. See docs/decisions.md ("Exports").
"""
