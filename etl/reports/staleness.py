"""Does an issued version still say what the warehouse says? The question behind «stale» in ``sdg report list``,
the deadline watchdog and delivery (a stale report is never sent: its amendment must be issued first).

Answered by building the report's content again with the version's own status and comparing content hashes
(``sdg.report.content_sha256``), the same test that decides whether a run issues a new version.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection


def is_current(conn: Connection, kind: str, kato_code: str | None, year: int, status: str, content_sha256: str) -> bool:
    """True when the version of ``kind`` (with this status and content hash) matches the warehouse now; kinds
    not built from the warehouse's facts (Appendix 1) count as current."""
    if kind == "appendix2":
        from etl.reports.appendix2 import build_appendix2_forms, content_hash

        if kato_code is None:
            raise ValueError("an Appendix 2 version always belongs to a region: kato_code is needed")
        return content_hash(build_appendix2_forms(conn, kato_code, year, status)) == content_sha256
    if kind == "national_extract":
        from etl.reports.national_extract import build_national_extract, extract_hash

        return extract_hash(build_national_extract(conn, year, status)) == content_sha256
    return True
