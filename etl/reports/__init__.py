"""The order's reports: Appendix 1 lists, Appendix 2 monitoring forms, the national extract and its overview.

In: facts, progress and the mirrored catalogue of a year. Out: XLSX (and HTML/PDF) files under ``var/reports``,
each version recorded in ``sdg.report``; amended versions list what changed since the final.
"""
