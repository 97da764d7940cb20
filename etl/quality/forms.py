"""Checks on a monitoring form's content (Appendix 2 of order No. 236) before it is rendered and sent."""

from __future__ import annotations

import pandas as pd

from etl.quality.outcome import GateDecision, split
from etl.reports.forms import APPENDIX2_COLUMNS_RU, Appendix2Form, FormRow

DATASET = "appendix2_form"
INDEX_COLUMNS = ("row_id", "block", "№ п/п")


def form_frame(form: Appendix2Form) -> pd.DataFrame:
    """The form as the 9 columns of the order, one row per line of both blocks, plus helper columns."""
    rows = [_row(r, "indicators") for r in form.indicators] + [_row(r, "activities") for r in form.activities]
    frame = pd.DataFrame(rows, columns=["block", *APPENDIX2_COLUMNS_RU, "row_complete", "fact_ok"])
    frame.insert(0, "row_id", range(len(frame)))
    return frame


def _row(r: FormRow, block: str) -> dict:
    required = (r.name, r.unit, r.responsible, r.source)
    fact = r.fact if r.fact is not None else (r.fact_text or None)
    return dict(
        zip(
            APPENDIX2_COLUMNS_RU,
            (r.number or None, r.name, r.responsible, r.source, r.unit, r.year, r.plan, fact, r.note),
            strict=True,
        ),  # fmt: skip
        block=block,
        row_complete=block != "indicators" or all((v or "").strip() for v in required),
        fact_ok=_fact_ok(r),
    )


def _fact_ok(r: FormRow) -> bool:
    """A number; or ``x`` (suppressed) / empty, each with an explanation in the notes column."""
    if r.fact is not None:
        return r.fact_text in ("", str(r.fact)) or r.fact_text.replace(",", ".") == str(r.fact)
    return r.fact_text.strip().lower() in ("", "x", "х") and bool(r.note.strip())


def check_form(form: Appendix2Form) -> GateDecision:
    """Validate one form's content; not recorded (no connection): the caller decides what to do with it."""
    from etl.quality.runner import run_suite

    outcomes = run_suite(DATASET, form_frame(form), {"year": [form.year]}, index_columns=INDEX_COLUMNS)
    critical, warnings = split(outcomes)
    return GateDecision(not critical, None, critical, warnings)
