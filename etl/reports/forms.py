"""In-memory shape of the order's monitoring forms, independent of how they are rendered.

The warehouse query builds these objects; the XLSX writer only lays them out. Keeping the two apart
lets tests check the content (which facts, which notes) without opening a spreadsheet, and lets the
Kazakh sheet (a second form with ``language="kk"``) and other renderers reuse the same layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from etl.reports import order_texts

#: Column headers of Appendix 2 (order No. 236), in the order's sequence: the order's words (``order_texts``).
APPENDIX2_COLUMNS_RU: tuple[str, ...] = order_texts.APPENDIX2_COLUMNS["ru"]
#: The same headers in the order's Kazakh form.
APPENDIX2_COLUMNS_KK: tuple[str, ...] = order_texts.APPENDIX2_COLUMNS["kk"]
#: Footnote of the activities block, as in the order's form.
ACTIVITIES_FOOTNOTE_RU = order_texts.ACTIVITIES_FOOTNOTE["ru"]
ACTIVITIES_FOOTNOTE_KK = order_texts.ACTIVITIES_FOOTNOTE["kk"]

#: Languages the form is issued in, in the order of the workbook's sheets (Russian first).
LANGUAGES: tuple[str, ...] = ("ru", "kk")
APPENDIX2_COLUMNS: dict[str, tuple[str, ...]] = {"ru": APPENDIX2_COLUMNS_RU, "kk": APPENDIX2_COLUMNS_KK}
ACTIVITIES_FOOTNOTE: dict[str, str] = {"ru": ACTIVITIES_FOOTNOTE_RU, "kk": ACTIVITIES_FOOTNOTE_KK}


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
    #: ``"ru"`` or ``"kk"``: the language of every text in the form (names, units, notes, headers).
    language: str = "ru"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown form language {self.language!r}; expected one of: {', '.join(LANGUAGES)}")
