"""Magnitude helper columns of the observations suite: values within their unit's bounds and their history's range.

Two silent wrong values this catches (issue 9): a count or amount far beyond anything possible (``1e300``
loaded as a "revision" of 12.5), and a value in the wrong unit (thousands for units). Both checks are per
row, so the gate holds exactly the failing rows and the suite parameters stay the same for every series:

- ``value_bounds_ok``: ``lower_bound <= value <= upper_bound``, the bounds of its unit and indicator
  (:func:`etl.quality.settings.value_bounds`: a rate per N at most N, counts 10^12, amounts 10^15 base
  units, or ``min_value``/``max_value`` of ``catalogue/quality.csv``);
- ``magnitude_ok``: ``log10_off_median`` = |log10 |value| - median of log10 |value| over its cut
  (kato_code, dims) in the snapshot| is below the indicator's ``max_orders_off`` (default 3: a factor of
  1000). The median of the logs is an order-of-magnitude median; zero and non-finite values (``value_ok``
  checks those) are neither checked nor part of the median. A cut with one value cannot be judged (it is
  its own median); a cut of two values six orders apart holds both (which one is wrong cannot be known);
  with three or more values the odd one is held.

The history is the snapshot's own: Taldau, the national platform, SDMX and the UN publish every year of a
series in each answer. A responsible body's file usually has one year per cut, so only the unit bounds
judge it (docs/decisions/no-silent-wrong-values.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.quality.settings import IndicatorQuality, value_bounds


def add_magnitude_columns(out: pd.DataFrame, units: pd.Series, qualities: list[IndicatorQuality]) -> None:
    """Add ``lower_bound``, ``upper_bound``, ``value_bounds_ok``, ``log10_off_median``, ``magnitude_ok`` to ``out``.

    ``out`` has ``value_num`` (float), ``kato_code``, ``dims`` and ``batch_part`` (the index into ``qualities``
    of each row's series); ``units`` is each row's unit text or code.
    """
    part = out["batch_part"].to_numpy()
    # pandas-stubs leave None out of where()'s ``other``; pandas takes it, and an object Series keeps it as None
    unit = units.astype(object).where(units.notna(), None)  # type: ignore[call-overload]
    keys = pd.DataFrame({"part": part, "unit": unit})
    pairs = keys.drop_duplicates()
    bounds = {(p, u): value_bounds(u, qualities[p]) for p, u in zip(pairs["part"], pairs["unit"], strict=True)}
    found = [bounds[key] for key in zip(keys["part"], keys["unit"], strict=True)]
    out["lower_bound"] = np.array([b[0] for b in found], dtype="float64")
    out["upper_bound"] = np.array([b[1] for b in found], dtype="float64")
    value = out["value_num"]
    checked = np.isfinite(value)
    above = out["lower_bound"].isna() | (value >= out["lower_bound"])
    below = out["upper_bound"].isna() | (value <= out["upper_bound"])
    out["value_bounds_ok"] = (~checked | (above & below)).astype(bool)
    out["log10_off_median"] = log10_off_median(out)
    limit = np.array([q.orders_off_limit for q in qualities], dtype="float64")[part]
    out["magnitude_ok"] = ~(out["log10_off_median"].to_numpy() >= limit)


def log10_off_median(out: pd.DataFrame) -> pd.Series:
    """|log10 |value| − median log10 |value| of the row's cut (series, kato_code, dims)|; NaN for zero or no value."""
    size = out["value_num"].abs()
    usable = np.isfinite(size) & (size > 0)
    logs = np.log10(size.where(usable))
    cut = [out["batch_part"], out["kato_code"], out["dims"]]
    median = logs.groupby(cut, dropna=False, sort=False).transform("median")
    return (logs - median).abs().astype("float64")
