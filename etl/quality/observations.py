"""Helper columns for the observations suite, computed in pandas where GX has no native expectation.

Each helper is a plain boolean or number the suite then asserts natively (``be_in_set [true]``,
``be_between``), so the count and the failing rows' keys land in the GX result like any other check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from etl.catalogue.region_changes import region_changes
from etl.quality.magnitude import add_magnitude_columns
from etl.quality.settings import COUNTRY_KATO, SUM_TOLERANCE_PCT, IndicatorQuality, is_percent, max_plausible_year
from etl.sources.observations import AVAILABLE, OBSERVATION_COLUMNS

#: row keys reported with each failing value
INDEX_COLUMNS = ("row_id", "kato_code", "period_start", "dims")


@dataclass(frozen=True)
class RegionValidity:
    valid_from: date | None
    valid_to: date | None


def prepare_observations(
    frame: pd.DataFrame,
    regions: dict[str, RegionValidity],
    quality: IndicatorQuality,
    unit: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The frame with helper columns, and the suite parameters for this series."""
    return prepare_parts([frame], regions, [quality], [unit])


def prepare_parts(
    frames: list[pd.DataFrame],
    regions: dict[str, RegionValidity],
    qualities: list[IndicatorQuality],
    units: list[str | None],
) -> tuple[pd.DataFrame, dict]:
    """Many series' frames as ONE frame with helper columns, ready for one GX run (``runner.run_suite_frame``).

    ``batch_part`` says which frame a row came from and ``row_id`` is its position there; every helper that
    compares rows groups by ``batch_part`` too, so a series is judged exactly as it would be alone. Computing
    the helpers once per chunk instead of once per series saves pandas' per-call overhead, which dominated
    the gate on a night of small series. Settings that differ per series (year-on-year limit, bounds, kind)
    are helper columns, so series of any settings share a run.
    """
    if not frames:
        raise ValueError("prepare_parts needs at least one frame")
    out = pd.concat([f.reset_index(drop=True) for f in frames], ignore_index=True)
    lengths = [len(f) for f in frames]
    part = np.repeat(np.arange(len(frames), dtype="int64"), lengths)
    out.insert(0, "row_id", np.arange(len(out), dtype="int64") - np.repeat(np.cumsum([0, *lengths[:-1]]), lengths))
    out.insert(1, "batch_part", part)  # which series, when many share a GX run
    if set(OBSERVATION_COLUMNS) <= set(out.columns):
        _add_helpers(out, regions, qualities, units)
    return out, suite_parameters(regions)


def suite_parameters(regions: dict[str, RegionValidity]) -> dict:
    """The suite's parameters: the same for every series (what differs per series is in helper columns)."""
    return {"known_regions": sorted(regions), "max_year": max_plausible_year(), "sum_tolerance_pct": SUM_TOLERANCE_PCT}


def _add_helpers(
    out: pd.DataFrame, regions: dict[str, RegionValidity], qualities: list[IndicatorQuality], units: list[str | None]
) -> None:
    part = out["batch_part"].to_numpy()
    start = pd.to_datetime(out["period_start"], errors="coerce")
    end = pd.to_datetime(out["period_end"], errors="coerce")
    out["period_year"] = end.dt.year.astype("Int64")
    out["period_ok"] = start.notna() & end.notna() & (start <= end)
    out["value_num"] = pd.to_numeric(out["value"].astype(object), errors="coerce").astype("float64")
    out["value_ok"] = _value_ok(out)
    out["region_valid_for_period"] = _region_not_ended(out, start, regions)
    out["back_calculated"] = back_calculated(out, end, regions)
    series_unit = pd.Series(np.asarray(units, dtype=object)[part], index=out.index)
    row_units = out["unit"].where(out["unit"].notna(), series_unit)
    bounded = np.array([q.bounded for q in qualities], dtype=bool)[part]
    bounded_value = out["value_num"].where(bounded)  # indices, changes: exempt
    out["percent_value"] = bounded_value.where(row_units.map(is_percent).astype(bool))
    out["nonnegative_value"] = bounded_value
    add_magnitude_columns(out, row_units, qualities)  # value_bounds_ok, magnitude_ok (etl.quality.magnitude)
    out["unit_consistent"] = _unit_consistent(out, row_units)
    out["yoy_change_pct"] = _yoy_change(out)
    out["yoy_limit_pct"] = np.array([q.max_yoy_change_pct for q in qualities], dtype="float64")[part]
    additive = np.array([q.additive for q in qualities], dtype=bool)[part]
    out["regional_sum_gap_pct"] = _regional_sum_gap(out).where(additive) if additive.any() else np.nan


def _value_ok(out: pd.DataFrame) -> pd.Series:
    """A value exactly when the status is 'A', and then a finite number (the load's own constraint)."""
    has_value = out["value"].notna()
    finite = np.isfinite(out["value_num"].fillna(0.0))
    return (has_value == (out["obs_status"] == AVAILABLE)) & (~has_value | (out["value_num"].notna() & finite))


def _region_not_ended(out: pd.DataFrame, start: pd.Series, regions: dict[str, RegionValidity]) -> pd.Series:
    """False when the period starts after the region was abolished (South Kazakhstan after 2018-06-18).

    Unknown codes count as valid here: ``kato_code in known_regions`` reports them once, not twice.
    Rows that carry no value (status missing: Taldau lists every region for every year, empty when it did
    not exist) state nothing about the region and pass.
    """
    hi = _bound(out, regions, "valid_to")
    not_ended = hi.isna() | start.isna() | (hi >= start)
    return (_empty(out) | not_ended).astype(bool)


def back_calculated(out: pd.DataFrame, end: pd.Series, regions: dict[str, RegionValidity]) -> pd.Series:
    """True for a value of a region for a period that ended before the region was founded (Abai before
    2022-06-08, Turkestan region before 2018-06-19): the source recalculated it, for every source alike.

    The same rule as the ``back_calculated`` flag set on ``sdg.observation`` after a load (migration 0012).
    """
    lo = _bound(out, regions, "valid_from")
    return (~_empty(out) & lo.notna() & end.notna() & (end < lo)).astype(bool)


def _bound(out: pd.DataFrame, regions: dict[str, RegionValidity], which: str) -> pd.Series:
    """Each row's region ``valid_from`` or ``valid_to`` as a timestamp (NaT: open, or an unknown code)."""
    dates = out["kato_code"].map(lambda k: getattr(regions[k], which) if k in regions else None)
    return pd.to_datetime(dates, errors="coerce")


def _empty(out: pd.DataFrame) -> pd.Series:
    return out["obs_status"].eq("missing")


def _unit_consistent(out: pd.DataFrame, units: pd.Series) -> pd.Series:
    """False on every row of a cut (region, dims) whose rows carry more than one unit.

    Text case and spacing do not count ("%" and " % " are one unit); rows without a unit take the series'.
    """
    normalised = units.astype("string").str.strip().str.casefold()
    keyed = pd.DataFrame({"part": out["batch_part"], "kato": out["kato_code"], "dims": out["dims"], "unit": normalised})
    distinct = keyed.groupby(["part", "kato", "dims"], dropna=False, sort=False)["unit"].transform("nunique")
    return distinct.le(1).astype(bool)


def _yoy_change(out: pd.DataFrame) -> pd.Series:
    """Relative change (%) against the same cut's previous year, for annual rows with values.

    Not for the split year of a region whose territory changed then (East Kazakhstan and Abai in 2022,
    Turkestan region and Shymkent in 2018): that change compares two territories, a known series break
    (``sdg.series_break``), not a suspicious jump.
    """
    annual = out[(out["frequency"] == "A") & out["value_num"].notna() & out["period_year"].notna()]
    annual = annual.sort_values(["batch_part", "kato_code", "dims", "period_year"])
    grouped = annual.groupby(["batch_part", "kato_code", "dims"], sort=False)
    prev_value = grouped["value_num"].shift(1)
    consecutive = grouped["period_year"].shift(1) == annual["period_year"] - 1
    comparable = consecutive & (prev_value != 0) & ~_split_year(annual)
    change = ((annual["value_num"] - prev_value).abs() / prev_value.abs() * 100).where(comparable)
    return change.reindex(out.index).astype("float64")


def _split_year(annual: pd.DataFrame) -> pd.Series:
    """True on a successor's or new region's rows of the year its territory changed (region_changes.csv)."""
    changed = {(kato, split.year) for split in region_changes() for kato in split.changed_katos}
    keys = zip(annual["kato_code"], annual["period_year"], strict=True)
    flags = [(kato, int(year)) in changed for kato, year in keys]
    return pd.Series(flags, index=annual.index, dtype=bool)


def _regional_sum_gap(out: pd.DataFrame) -> pd.Series:
    """On national rows of an additive series: |Σ regions − national| / national, in percent.

    Only regions that existed in the period count: a back-calculated new region is still inside its parent.
    """
    valued = out[out["value_num"].notna() & out["region_valid_for_period"] & ~out["back_calculated"]]
    keys = ["batch_part", "period_start", "period_end", "dims"]
    regional = valued[valued["kato_code"] != COUNTRY_KATO].groupby(keys)["value_num"].sum().rename("regions_sum")
    national = (
        valued[valued["kato_code"] == COUNTRY_KATO].reset_index().merge(regional.reset_index(), on=keys, how="inner")
    )
    gap = (national["regions_sum"] - national["value_num"]).abs() / national["value_num"].abs() * 100
    return pd.Series(gap.to_numpy(), index=national["index"].to_numpy()).reindex(out.index).astype("float64")
