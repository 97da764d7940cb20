"""Files from responsible bodies as a pipeline source: one series per submitter, one snapshot per file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from etl.sources.base import ParseResult, RegionLookup
from etl.sources.files.inbox import Inbox
from etl.sources.files.parse import MAX_PROBLEMS, parse_report
from etl.sources.series import CatalogueError

if TYPE_CHECKING:
    from etl.sources.http import Fetched
    from etl.sources.series import Row, Series

KEY_PREFIX = "files:"
_SUBMITTER = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class FilesSource:
    """CSV/XLSX reports in the template (``templates/``) from ``SDG_FILES_INBOX``."""

    name: ClassVar[str] = "files"
    #: catalogue columns beyond the common ones
    columns: ClassVar[tuple[str, ...]] = ("submitter", "pattern", "indicators")

    def __init__(
        self,
        inbox: Inbox | str | Path | None = None,
        base_url: str | None = None,
        max_problems: int = MAX_PROBLEMS,
        max_year: int | None = None,
    ) -> None:
        self.inbox = inbox if isinstance(inbox, Inbox) else Inbox(inbox or base_url)
        self.max_problems = max_problems
        self.max_year = max_year

    @staticmethod
    def series_params(row: Row) -> dict[str, Any]:
        key = row.text("series_key")
        if not key.startswith(KEY_PREFIX):
            raise CatalogueError(f"{row.where('series_key')}: files series keys start with {KEY_PREFIX!r}, got {key!r}")
        submitter = row.text("submitter")
        if not _SUBMITTER.match(submitter):
            raise CatalogueError(f"{row.where('submitter')}: expected an id like health_dept, got {submitter!r}")
        pattern = row.text("pattern")
        if any(bad in pattern for bad in ("/", "\\", "..")) or pattern.startswith((".", "~")):
            raise CatalogueError(f"{row.where('pattern')}: expected a file-name glob like health_*.xlsx: {pattern!r}")
        indicators = [code.strip() for code in row.text("indicators", required=False).split(";") if code.strip()]
        return {"submitter": submitter, "pattern": pattern, "indicators": indicators}

    def fetch(self, series: Series) -> Iterator[Fetched]:
        p = series.params
        for name in self.inbox.names(p["pattern"]):
            yield self.inbox.read(name, p["submitter"])

    def parse(self, fetched: Fetched, series: Series, regions: RegionLookup) -> ParseResult:
        return parse_report(
            fetched.content,
            file_name=fetched.params["file"],
            url=fetched.url,
            is_known_kato=lambda code: regions.kato("kato", code) is not None,
            indicators=frozenset(series.params.get("indicators") or ()),
            unit=series.unit_ru or None,
            max_year=self.max_year,
            max_problems=self.max_problems,
        )
