"""Running a JSON suite on a DataFrame with Great Expectations, and building Data Docs.

The only module that imports ``great_expectations``, always inside functions. One ephemeral context per
process (created on first use, ~6 s to import GX, then ~0.05 s a run), progress bars off; each dataset
gets a pandas data source with a whole-dataframe batch definition and a checkpoint whose
``UpdateDataDocsAction`` renders the result into ``<SDG_DATA_DIR>/data_docs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from etl import config
from etl.quality.outcome import CRITICAL, ExpectationOutcome

if TYPE_CHECKING:
    import pandas as pd

EXPECTATIONS_DIR = config.PROJECT_ROOT / "expectations"
DATASETS = ("observations", "catalogue", "indicator_values", "appendix2_form")

_STATE: dict[str, Any] = {}
#: work done in this process: GX runs, Data Docs builds and results rendered (tests count work, not time)
STATS: Counter[str] = Counter()
#: seconds of fixed, once-per-process work (importing GX and building its context)
SECONDS: defaultdict[str, float] = defaultdict(float)


def suite_path(dataset: str) -> Path:
    return EXPECTATIONS_DIR / f"{dataset}.json"


def load_suite_dict(dataset: str) -> dict:
    """The suite as stored (GX 1.x ``to_json_dict`` form)."""
    return json.loads(suite_path(dataset).read_text(encoding="utf-8"))


def context():
    """The process's ephemeral GX context, created once (importing GX costs seconds)."""
    if "context" not in _STATE:
        started = time.perf_counter()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        for name in [n for n in logging.root.manager.loggerDict if n.startswith("great_expectations")]:
            logging.getLogger(name).setLevel(logging.WARNING)  # its INFO lines would reach users (some set INFO)
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        _STATE.update(context=ctx, datasets={}, checkpoints={}, sites={})
        SECONDS["context"] += time.perf_counter() - started
    return _STATE["context"]


def _dataset(dataset: str):
    """(validation definition) of a dataset: its suite read from JSON and a whole-dataframe batch."""
    ctx = context()
    if dataset not in _STATE["datasets"]:
        import great_expectations as gx

        data = load_suite_dict(dataset)
        data.pop("id", None)
        suite = ctx.suites.add(gx.ExpectationSuite(**data))
        batch = ctx.data_sources.add_pandas(dataset).add_dataframe_asset(dataset)
        definition = batch.add_batch_definition_whole_dataframe(dataset)
        _STATE["datasets"][dataset] = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=dataset, data=definition, suite=suite)
        )
    return _STATE["datasets"][dataset]


def _site(out_dir: Path) -> str:
    """Name of the Data Docs site writing into ``out_dir`` (added on first use)."""
    out_dir = Path(out_dir).resolve()
    if str(out_dir) not in _STATE["sites"]:
        name = "sdg_" + hashlib.sha256(str(out_dir).encode()).hexdigest()[:10]
        site = {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        context().add_data_docs_site(site_name=name, site_config=site)
        _STATE["sites"][str(out_dir)] = name
    return _STATE["sites"][str(out_dir)]


def data_docs_dir() -> Path:
    return config.data_dir() / "data_docs"


def run_suite(
    dataset: str,
    frame: pd.DataFrame,
    parameters: dict[str, Any] | None = None,
    *,
    index_columns: tuple[str, ...] = ("row_id",),
    sample_size: int = 20,
) -> list[ExpectationOutcome]:
    """Validate ``frame`` against ``expectations/<dataset>.json``.

    The result stays in this process's GX store until :func:`build_data_docs` renders it (once per run):
    rendering after every validation re-read every result kept so far, a cost that grew without bound.
    """
    validation = _validate(dataset, frame, parameters, index_columns, sample_size)
    return [_outcome(dataset, r, sample_size) for r in validation.results]


def run_suite_parts(
    dataset: str,
    parts: list[pd.DataFrame],
    parameters: dict[str, Any] | None = None,
    *,
    index_columns: tuple[str, ...] = ("row_id",),
    sample_size: int = 20,
) -> list[list[ExpectationOutcome]]:
    """Validate many prepared frames (e.g. one per series) in ONE GX run, and split the outcomes per frame.

    Each frame must carry ``row_id`` (its own positions); see :func:`run_suite_frame`.
    """
    import pandas as pd

    if not parts:
        return []
    frame = pd.concat([p.assign(batch_part=i) for i, p in enumerate(parts)], ignore_index=True)
    return run_suite_frame(dataset, frame, len(parts), parameters, index_columns=index_columns, sample_size=sample_size)


def run_suite_frame(
    dataset: str,
    frame: pd.DataFrame,
    parts: int,
    parameters: dict[str, Any] | None = None,
    *,
    index_columns: tuple[str, ...] = ("row_id",),
    sample_size: int = 20,
) -> list[list[ExpectationOutcome]]:
    """Validate a frame of ``parts`` series in ONE GX run and split the outcomes per series.

    GX costs ~0.5 s a run whatever the rows, so a night of 273 series validated one by one spends minutes
    on overhead; validated together it is one run. The frame holds each part's rows together, in part order,
    with ``batch_part`` (0 … parts-1) and ``row_id`` (the row's position in its part, as reported back).
    For the run ``row_id`` becomes the global position, so every failing row maps back to its part and its
    own ``row_id``. Row expectations are split by their failing rows; table expectations (columns, row
    count) and checks that raised apply to every part alike.
    """
    lengths = np.bincount(frame["batch_part"].to_numpy(dtype="int64"), minlength=parts)[:parts]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype("int64")
    numbered = frame.assign(row_id=np.arange(len(frame), dtype="int64"))
    validation = _validate(dataset, numbered, parameters, index_columns, sample_size)
    split: list[list[ExpectationOutcome]] = [[] for _ in range(parts)]
    for r in validation.results:
        whole = _outcome(dataset, r, sample_size)
        buckets = _failing_by_part(r, offsets)
        counts = _counted_by_part(frame, whole.column, parts) if buckets else None
        for i in range(parts):
            split[i].append(_part_outcome(whole, buckets, counts, i, int(lengths[i]), sample_size))
    return split


def _failing_by_part(r, offsets: np.ndarray) -> dict[int, list[dict]] | None:
    """The failing rows of result ``r`` per part, with part-local ``row_id``; None: the result lists none."""
    listed = (r.result or {}).get("unexpected_index_list")
    if r.success or not isinstance(listed, list):
        return None
    rows = [item for item in listed if isinstance(item, dict) and "row_id" in item]
    if not rows:
        return None
    found: dict[int, list[dict]] = {}
    ids = np.array([int(item["row_id"]) for item in rows], dtype="int64")
    owners = np.searchsorted(offsets, ids, side="right") - 1
    for item, row_id, owner in zip(rows, ids, owners, strict=True):
        found.setdefault(int(owner), []).append({**item, "row_id": int(row_id - offsets[owner])})
    return found


def _counted_by_part(frame: pd.DataFrame, column: str | None, parts: int) -> np.ndarray:
    """Rows each part has for the expectation's column (non-null values), the base of its percentages."""
    if column and column in frame.columns:
        present = frame[column].notna().to_numpy()
        return np.bincount(frame["batch_part"].to_numpy(dtype="int64"), weights=present, minlength=parts)[:parts]
    return np.bincount(frame["batch_part"].to_numpy(dtype="int64"), minlength=parts)[:parts]


def _part_outcome(
    whole: ExpectationOutcome,
    buckets: dict[int, list[dict]] | None,
    counts: np.ndarray | None,
    part: int,
    rows: int,
    sample_size: int,
) -> ExpectationOutcome:
    """The outcome ``whole`` of the frame restricted to the rows of ``part``."""
    if buckets is None or not whole.failing_row_ids:
        return replace(whole, element_count=rows) if whole.element_count is not None else whole
    mine = buckets.get(part, [])
    ids = tuple(item["row_id"] for item in mine)
    counted = int(counts[part]) if counts is not None else rows
    return replace(
        whole,
        success=not ids,
        element_count=rows,
        unexpected_count=len(ids),
        unexpected_percent=100 * len(ids) / counted if counted else None,
        sample=_jsonable([_without_part(item) for item in mine[:sample_size]]),
        failing_row_ids=ids,
    )


def _validate(dataset: str, frame: pd.DataFrame, parameters: dict | None, index_columns, sample_size: int):
    """One GX run of ``frame`` through the bare validation definition (no Data Docs rendering per run)."""
    context()
    STATS["validations"] += 1
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [c for c in index_columns if c in frame.columns],
        "partial_unexpected_count": sample_size,
    }
    return _dataset(dataset).run(
        batch_parameters={"dataframe": frame}, expectation_parameters=parameters or {}, result_format=result_format
    )


def _without_part(item: Any) -> Any:
    """A failing row's keys without ``batch_part``: batching's column, not the data's."""
    return {k: v for k, v in item.items() if k != "batch_part"} if isinstance(item, dict) else item


def _outcome(dataset: str, r, sample_size: int) -> ExpectationOutcome:
    config_ = r.expectation_config
    meta = config_.meta or {}
    kwargs = _jsonable(dict(config_.kwargs))
    listed = [c for c in kwargs.get("column_list") or [] if c != "batch_part"]  # batching's, not the data's
    column = meta.get("column") or kwargs.get("column") or ",".join(listed) or None  # meta: a pair's subject
    res = r.result or {}
    return ExpectationOutcome(
        dataset=dataset,
        expectation_type=config_.type,
        column=column,
        severity=meta.get("severity", CRITICAL),
        why=meta.get("why", ""),
        scope=meta.get("scope", "rows"),
        success=bool(r.success),
        element_count=res.get("element_count"),
        unexpected_count=res.get("unexpected_count", None if r.success else _table_level_count(res)),
        unexpected_percent=res.get("unexpected_percent"),
        sample=[_without_part(item) for item in _sample(r, res)[:sample_size]],
        kwargs=kwargs,
        failing_row_ids=tuple(
            int(i["row_id"]) for i in res.get("unexpected_index_list") or [] if isinstance(i, dict) and "row_id" in i
        ),
    )


def _table_level_count(res: dict) -> int | None:
    """Table expectations have no row counts: count the missing/unexpected columns instead."""
    mismatched = (res.get("details") or {}).get("mismatched") or {}
    return len(mismatched.get("missing") or []) or None


def _sample(r, res: dict) -> list:
    if r.exception_info and r.exception_info.get("raised_exception"):
        return [str(r.exception_info.get("exception_message"))[:500]]
    if "partial_unexpected_index_list" in res:
        return _jsonable(res["partial_unexpected_index_list"] or [])
    if res.get("partial_unexpected_list"):
        return _jsonable(res["partial_unexpected_list"])
    if not r.success and "observed_value" in res:
        return _jsonable([{"observed_value": res["observed_value"], "details": res.get("details")}])
    return []


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_plain))


def _plain(value: Any) -> Any:
    """numpy scalars as the Python numbers they are (a row position 2, not "2"); anything else as text."""
    return value.item() if isinstance(value, np.generic) else str(value)


def build_data_docs(out_dir: Path | None = None) -> Path:
    """Render every suite and the results validated in this process since the last build into ``out_dir``;
    return its ``index.html``.

    Called once per run (the end of an ingest, facts or forms job, or ``sdg quality docs``). The rendered
    results are then dropped from the in-memory store, so the next build renders only newer ones; their
    pages stay in the folder. Results stay queryable in the warehouse (``sdg.quality_result``).
    """
    out_dir = Path(out_dir or data_docs_dir())
    for dataset in DATASETS:
        _dataset(dataset)
    site = _site(out_dir)
    store = context().validation_results_store
    keys = store.list_keys()
    STATS["docs_builds"] += 1
    STATS["docs_results"] += len(keys)
    context().build_data_docs(site_names=[site])
    for key in keys:
        store.remove_key(key)
    return out_dir / "index.html"
