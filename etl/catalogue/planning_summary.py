"""Paragraph 26 as numbers: per region, the share of its class-1 indicators built into planning documents.

"As of year Y" means documents adopted on or before 31 December Y; the classification is the region's
current Appendix 1 list (``sdg.appendix1_item``). The SQL function ``sdg.planning_integration(year)``
does the counting, so the national extract and ad-hoc queries read the same figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

_DIGITS = re.compile(r"(\d+)")


def code_order(code: str) -> tuple:
    """Sort key putting ``3.2.1`` before ``10.1.1`` (numbers compared as numbers)."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(code))


@dataclass(frozen=True)
class PlannedDocument:
    """A planning document of a region with the indicators built into it: (indicator code, item) pairs."""

    document_ru: str
    document_kk: str
    adopted_on: date
    indicators: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RegionIntegration:
    """One region's para-26 figures for a year; ``share`` is None when it has no class-1 indicator."""

    kato_code: str
    name_ru: str
    name_kk: str
    class1_count: int
    integrated_count: int
    share: Decimal | None
    integrated: tuple[str, ...]
    not_integrated: tuple[str, ...]
    documents: tuple[PlannedDocument, ...]


_SHARES = text(
    """
    SELECT p.kato_code, r.name_ru, r.name_kk, p.class1_count, p.integrated_count, p.share,
           p.integrated, p.not_integrated
    FROM sdg.planning_integration(:year) AS p
    JOIN sdg.region AS r ON r.kato_code = p.kato_code
    """
)
_DOCUMENTS = text(
    """
    SELECT kato_code, document_ru, document_kk, adopted_on, indicator_code, item
    FROM sdg.planning_document
    WHERE adopted_on <= make_date(:year, 12, 31)
    ORDER BY kato_code, adopted_on, document_ru
    """
)


def integration_summary(conn: Connection, year: int) -> list[RegionIntegration]:
    """Every region that existed in ``year`` (in display order) with its share and its documents."""
    documents = _documents(conn, year)
    return [
        RegionIntegration(
            kato_code=row.kato_code,
            name_ru=row.name_ru,
            name_kk=row.name_kk,
            class1_count=row.class1_count,
            integrated_count=row.integrated_count,
            share=row.share,
            integrated=tuple(sorted(row.integrated, key=code_order)),
            not_integrated=tuple(sorted(row.not_integrated, key=code_order)),
            documents=documents.get(row.kato_code, ()),
        )
        for row in conn.execute(_SHARES, {"year": year})
    ]


def _documents(conn: Connection, year: int) -> dict[str, tuple[PlannedDocument, ...]]:
    grouped: dict[str, dict[tuple[str, str, date], list[tuple[str, str]]]] = {}
    for row in conn.execute(_DOCUMENTS, {"year": year}):
        key = (row.document_ru, row.document_kk, row.adopted_on)
        grouped.setdefault(row.kato_code, {}).setdefault(key, []).append((row.indicator_code, row.item))
    return {
        kato: tuple(
            PlannedDocument(ru, kk, adopted, tuple(sorted(pairs, key=lambda pair: code_order(pair[0]))))
            for (ru, kk, adopted), pairs in documents.items()
        )
        for kato, documents in grouped.items()
    }
