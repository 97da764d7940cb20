"""What the national extract holds: per region its coverage and issued form, per indicator its line.

Plain records, apart from building (``national_extract``) and writing (``national_extract_xlsx``), so that both
of those and the overview import them from below and never each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from etl.catalogue.planning_summary import RegionIntegration
from etl.reports.forms import FormRow


@dataclass(frozen=True)
class RegionCoverage:
    """How complete one region is in the extract, and which issued form it stands for."""

    kato_code: str
    name_ru: str
    name_kk: str
    indicators: int
    facts: int
    form_version: int | None = None
    form_status: str | None = None
    form_sha256: str | None = None
    #: the latest issued form says what the warehouse says now
    form_current: bool = False

    @property
    def problem(self) -> str | None:
        """Why this region keeps a final extract back, or None."""
        if self.form_version is None:
            return "no Appendix 2 form issued"
        if not self.form_current:
            return f"form v{self.form_version} is out of date (the warehouse changed since it was issued)"
        if self.form_status == "draft":
            return f"form v{self.form_version} is a draft"
        return None


@dataclass(frozen=True)
class ExtractLine:
    """One indicator of one region, in both languages (same numbers, texts per language), with its progress."""

    kato_code: str
    code: str
    ru: FormRow
    kk: FormRow
    #: Statistics Canada category (or why there is none) and the ESCAP indices (sdg.indicator_progress)
    progress_ru: str = ""
    progress_kk: str = ""
    escap_status: Decimal | None = None
    escap_api: Decimal | None = None


@dataclass(frozen=True)
class NationalExtract:
    year: int
    status: str
    regions: list[RegionCoverage] = field(default_factory=list)
    lines: list[ExtractLine] = field(default_factory=list)
    #: paragraph 26: each region's share of class-1 indicators built into its planning documents
    integration: list[RegionIntegration] = field(default_factory=list)

    def problems(self) -> dict[str, str]:
        """KATO code → why that region is not ready for a final extract."""
        return {r.kato_code: r.problem for r in self.regions if r.problem}
