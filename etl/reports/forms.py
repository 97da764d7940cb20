"""In-memory shape of the order's monitoring forms, independent of how they are rendered.

The warehouse query builds these objects; the XLSX writer only lays them out. Keeping the two apart
lets tests check the content (which facts, which notes) without opening a spreadsheet, and lets a
second renderer (Kazakh, PDF) reuse the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: Column headers of Appendix 2 (order No. 236), in the order's sequence.
APPENDIX2_COLUMNS_RU: tuple[str, ...] = (
    "№ п/п",
    "Наименование",
    "Ответственные",
    "Источник информации",
    "Единица измерения",
    "Отчетный год",
    "План",
    "Факт",
    "Пояснения при необходимости",
)

#: Footnote of the activities block, as in the order's form.
ACTIVITIES_FOOTNOTE_RU = (
    "* Блок «Мероприятия» заполняется инициативной группой в случае отсутствия индикаторов в районе (городе)."
)


@dataclass(frozen=True)
class FormRow:
    """One line of the «Индикаторы» or «Мероприятия*» block.

    ``fact`` is the numeric value when there is one; ``fact_text`` carries what is shown when there
    is none (``"x"`` for a value suppressed by the statistics office, empty when no data yet).
    """

    number: str
    name: str
    responsible: str
    source: str
    unit: str
    year: int
    plan: Decimal | None = None
    fact: Decimal | None = None
    fact_text: str = ""
    note: str = ""
    decimals: int = 1


@dataclass(frozen=True)
class Appendix2Form:
    """The annual monitoring form of one region for one reporting year."""

    kato_code: str
    region_name_ru: str
    region_name_kk: str
    year: int
    indicators: list[FormRow] = field(default_factory=list)
    activities: list[FormRow] = field(default_factory=list)
    #: Free text printed under the table: data vintage, generation time, status (draft/final).
    provenance_note: str = ""
    status: str = "draft"
