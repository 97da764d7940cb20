"""Plain results of a quality check, free of Great Expectations types so callers need not import GX."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result: what was expected, why, and a few failing values with their row keys."""

    dataset: str
    expectation_type: str
    column: str | None
    severity: str
    why: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    sample: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: positions (``row_id``) of the failing rows, for quarantine; not stored per result
    failing_row_ids: tuple[int, ...] = ()
    #: what a critical failure holds back: "rows" (the failing ones) or "batch" (the check is about the whole
    #: answer: a republic total contradicting its regions, a unit changing within a cut)
    scope: str = "rows"

    def describe(self) -> str:
        """One line for logs, task failures and e-mails."""
        where = f"({self.column})" if self.column else ""
        count = "?" if self.unexpected_count is None else self.unexpected_count
        return f"{self.dataset}: {self.expectation_type}{where} failed for {count} rows — {self.why}"


@dataclass(frozen=True)
class GateDecision:
    """Whether a batch may be loaded (or used), with the run that recorded the evidence."""

    load: bool
    run_id: int | None
    critical: list[ExpectationOutcome] = field(default_factory=list)
    warnings: list[ExpectationOutcome] = field(default_factory=list)
    quarantine_id: int | None = None
    released: bool = False
    #: positions of rows held back in quarantine (scope 'rows'); the caller loads the others
    held_row_ids: tuple[int, ...] = ()


class QualityFailure(RuntimeError):
    """A critical expectation failed; the message names dataset, expectation and count."""

    def __init__(self, decision: GateDecision, dataset: str):
        self.decision = decision
        lines = "; ".join(o.describe() for o in decision.critical)
        super().__init__(f"{dataset}: {len(decision.critical)} critical expectation(s) failed: {lines}")


def split(outcomes: list[ExpectationOutcome]) -> tuple[list[ExpectationOutcome], list[ExpectationOutcome]]:
    """Failed outcomes split into (critical, warnings)."""
    failed = [o for o in outcomes if not o.success]
    return [o for o in failed if o.severity == CRITICAL], [o for o in failed if o.severity != CRITICAL]
