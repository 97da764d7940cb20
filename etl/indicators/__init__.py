"""Indicator values: Facts per region and year from mapped series and formulas, and progress towards targets.

In: current observations and the mirrored catalogue (mappings, formulas, plans, targets). Out:
``sdg.indicator_value`` (a Fact, or empty with the reason why) and ``sdg.indicator_progress``.
"""
