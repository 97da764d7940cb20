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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import config
from etl.quality.outcome import CRITICAL, ExpectationOutcome

if TYPE_CHECKING:
    import pandas as pd

EXPECTATIONS_DIR = config.PROJECT_ROOT / "expectations"
DATASETS = ("observations", "catalogue", "indicator_values", "appendix2_form")

_STATE: dict[str, Any] = {}


def suite_path(dataset: str) -> Path:
    return EXPECTATIONS_DIR / f"{dataset}.json"


def load_suite_dict(dataset: str) -> dict:
    """The suite as stored (GX 1.x ``to_json_dict`` form)."""
    return json.loads(suite_path(dataset).read_text(encoding="utf-8"))


def context():
    """The process's ephemeral GX context, created once (importing GX costs seconds)."""
    if "context" not in _STATE:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines would reach users
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        _STATE.update(context=ctx, datasets={}, checkpoints={}, sites={})
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


def _checkpoint(dataset: str, out_dir: Path, result_format: dict):
    """One checkpoint per dataset, docs folder and result format (GX fixes the format per checkpoint)."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    site = _site(out_dir)
    key = (dataset, site, json.dumps(result_format, sort_keys=True))
    if key not in _STATE["checkpoints"]:
        action = UpdateDataDocsAction(name="data_docs", site_names=[site])
        checkpoint = gx.Checkpoint(
            name=f"{dataset}_{site}_{len(_STATE['checkpoints'])}",
            validation_definitions=[_dataset(dataset)],
            actions=[action],
            result_format=result_format,
        )
        _STATE["checkpoints"][key] = context().checkpoints.add(checkpoint)
    return _STATE["checkpoints"][key]


def data_docs_dir() -> Path:
    return config.data_dir() / "data_docs"


def run_suite(
    dataset: str,
    frame: pd.DataFrame,
    parameters: dict[str, Any] | None = None,
    *,
    index_columns: tuple[str, ...] = ("row_id",),
    sample_size: int = 20,
    data_docs: bool = True,
) -> list[ExpectationOutcome]:
    """Validate ``frame`` against ``expectations/<dataset>.json``.

    With ``data_docs`` the run goes through a checkpoint that renders it into ``<SDG_DATA_DIR>/data_docs``
    (~0.2 s more a run); without, through the bare validation definition.
    """
    context()
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [c for c in index_columns if c in frame.columns],
        "partial_unexpected_count": sample_size,
    }
    batch = {"dataframe": frame}
    if data_docs:
        checkpoint = _checkpoint(dataset, data_docs_dir(), result_format)
        result = checkpoint.run(batch_parameters=batch, expectation_parameters=parameters or {})
        (validation,) = result.run_results.values()
    else:
        validation = _dataset(dataset).run(
            batch_parameters=batch, expectation_parameters=parameters or {}, result_format=result_format
        )
    return [_outcome(dataset, r, sample_size) for r in validation.results]


def _outcome(dataset: str, r, sample_size: int) -> ExpectationOutcome:
    config_ = r.expectation_config
    meta = config_.meta or {}
    kwargs = _jsonable(dict(config_.kwargs))
    column = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or None
    res = r.result or {}
    return ExpectationOutcome(
        dataset=dataset,
        expectation_type=config_.type,
        column=column,
        severity=meta.get("severity", CRITICAL),
        why=meta.get("why", ""),
        success=bool(r.success),
        element_count=res.get("element_count"),
        unexpected_count=res.get("unexpected_count", None if r.success else _table_level_count(res)),
        unexpected_percent=res.get("unexpected_percent"),
        sample=_sample(r, res)[:sample_size],
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
    return json.loads(json.dumps(value, default=str))


def build_data_docs(out_dir: Path | None = None) -> Path:
    """Render every suite (and this process's results) as HTML into ``out_dir``; return its ``index.html``.

    Pages of earlier runs written there by other processes stay: the index lists the folder's pages.
    """
    out_dir = Path(out_dir or data_docs_dir())
    for dataset in DATASETS:
        _dataset(dataset)
    site = _site(out_dir)
    context().build_data_docs(site_names=[site])
    return out_dir / "index.html"
