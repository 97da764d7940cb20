"""Checks on a monitoring form's content (Appendix 2 of order No. 236) before it is rendered and sent.

Beside the forms it checks, so reports import quality (its runner and outcomes) and quality never imports reports;
the suite itself is ``expectations/appendix2_form.json``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from etl.quality.outcome import CRITICAL, ExpectationOutcome, GateDecision, split
from etl.reports.forms import APPENDIX2_COLUMNS, Appendix2Form, FormRow

DATASET = "appendix2_form"
INDEX_COLUMNS = ("row_id", "form", "block", "row_no")
#: language-neutral copies of the number and year columns, so one suite checks the form in every language;
#: ``form`` (the region's KATO code) tells the forms of one batch apart
HELPER_COLUMNS = ("form", "block", "row_no", "report_year", "row_complete", "fact_ok")


def form_frame(form: Appendix2Form) -> pd.DataFrame:
    """The form as the 9 columns of the order under the headers of its language, one row per line of both
    blocks, plus helper columns."""
    columns = APPENDIX2_COLUMNS[form.language]
    rows = [_row(r, "indicators", columns) for r in form.indicators]
    rows += [_row(r, "activities", columns) for r in form.activities]
    frame = pd.DataFrame(rows, columns=[*columns, *HELPER_COLUMNS])
    frame["form"] = form.kato_code
    frame.insert(0, "row_id", range(len(frame)))
    return frame


def suite_parameters(form: Appendix2Form) -> dict:
    """Run-time values of the suite: the reporting year and the order's headers in the form's language."""
    return {"year": [form.year], "columns": list(APPENDIX2_COLUMNS[form.language])}


def _row(r: FormRow, block: str, columns: tuple[str, ...]) -> dict:
    required = (r.name, r.unit, r.responsible, r.source)
    fact = r.fact if r.fact is not None else (r.fact_text or None)
    return dict(
        zip(
            columns,
            (r.number or None, r.name, r.responsible, r.source, r.unit, r.year, r.plan, fact, r.note),
            strict=True,
        ),
        block=block,
        row_no=r.number or None,
        report_year=r.year,
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
    return check_forms([form])


def check_forms(forms: Sequence[Appendix2Form]) -> GateDecision:
    """Validate many forms at once: one suite run per language (a run costs ~0.5 s of GX whatever its size),
    without re-rendering Data Docs (forms are checked in memory and not recorded). A form without any line
    fails, as the suite's row count would for it alone."""
    from etl.quality.runner import run_suite

    critical, warnings = [], []
    for language in sorted({f.language for f in forms}):
        batch = [f for f in forms if f.language == language]
        frame = pd.concat([form_frame(f) for f in batch], ignore_index=True)
        frame["row_id"] = range(len(frame))
        parameters = {"year": sorted({f.year for f in batch}), "columns": list(APPENDIX2_COLUMNS[language])}
        outcomes = run_suite(DATASET, frame, parameters, index_columns=INDEX_COLUMNS)
        failed, warned = split(outcomes)
        critical += failed + [_empty(f) for f in batch if not (f.indicators or f.activities)]
        warnings += warned
    return GateDecision(not critical, None, critical, warnings)


def _empty(form: Appendix2Form) -> ExpectationOutcome:
    return ExpectationOutcome(
        dataset=DATASET,
        expectation_type="expect_table_row_count_to_be_between",
        column=None,
        severity=CRITICAL,
        why=f"form {form.kato_code} {form.year} ({form.language}) has no line at all",
        success=False,
        element_count=0,
        unexpected_count=1,
        unexpected_percent=100.0,
        sample=[form.kato_code],
        kwargs={"min_value": 1},
    )
