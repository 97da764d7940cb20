"""The catalogue people edit (``catalogue/*.csv``): indicators, series mappings, regions, lists, plans, bodies.

In: the CSV files, or an import (the national platform's repository, an analyst's XLSX) that rewrites them.
Out: typed, cross-checked records (:mod:`etl.catalogue.model`) and their mirror in the warehouse
(:mod:`etl.catalogue.sync`), which every later step of a run reads.
"""
