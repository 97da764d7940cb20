"""All pages of one series, each yielded raw as it arrives, with the page set checked as a whole.

Each page is yielded *before* it is checked, so the ingest loop keeps it as a snapshot even when it is an
HTML page or truncated; the check then raises, and because the loop parses nothing until ``fetch`` is
exhausted, a bad page anywhere fails the whole series with nothing loaded. Checks: every page decodes,
answers the page asked for, agrees with page 1 on ``totalPages``/``totalElements`` (data changing while
paging would mix vintages), no cut repeats across pages, and the rows add up to ``totalElements``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from etl.sources.errors import SourceError
from etl.sources.http import Fetched
from etl.sources.unsd.client import UnsdClient
from etl.sources.unsd.parse import SOURCE, CutTracker, Page, check_row, cut_of, read_page

#: more pages than this is a broken answer, not a series (one country's series has at most a few thousand rows)
MAX_PAGES = 500


def fetch_pages(client: UnsdClient, params: dict[str, Any]) -> Iterator[Fetched]:
    """Yield page 1..totalPages of the series described by ``params`` (the source's catalogue params)."""
    tracker = CutTracker()
    fetched = _get(client, params, 1, None)
    yield fetched
    first = _checked(fetched, params, 1, None, tracker)
    if first.total_pages > MAX_PAGES:
        raise SourceError(SOURCE, fetched.url, f"totalPages {first.total_pages} exceeds {MAX_PAGES}")
    count = len(first.rows)
    for number in range(2, first.total_pages + 1):
        fetched = _get(client, params, number, first.total_pages)
        yield fetched
        page = _checked(fetched, params, number, first, tracker)
        count += len(page.rows)
    if count != first.total_elements:
        raise SourceError(
            SOURCE,
            fetched.url,
            f"{first.total_pages} page(s) held {count} rows, totalElements says {first.total_elements}",
        )


def _get(client: UnsdClient, params: dict[str, Any], number: int, total: int | None) -> Fetched:
    try:
        return client.series_data(params["series_code"], params["area_code"], number, params["page_size"])
    except SourceError as exc:
        _on_page(exc, number, total)
        raise


def _checked(fetched: Fetched, params: dict[str, Any], number: int, first: Page | None, tracker: CutTracker) -> Page:
    total = first.total_pages if first else None
    try:
        page = read_page(fetched.content, fetched.url)
        _check_paging(page, number, first, fetched.url)
        for index, raw in enumerate(page.rows):
            where = f"page {number} row {index}"
            row = check_row(raw, where, params["series_code"], fetched.url)
            tracker.add(cut_of(row, where, params["totals"], page.codes, fetched.url), where, row, fetched.url)
    except SourceError as exc:
        _on_page(exc, number, total)
        raise
    return page


def _check_paging(page: Page, number: int, first: Page | None, url: str) -> None:
    if page.number != number:
        raise SourceError(SOURCE, url, f"asked for page {number}, answered pageNumber {page.number}")
    if first is not None and (page.total_pages, page.total_elements) != (first.total_pages, first.total_elements):
        raise SourceError(
            SOURCE,
            url,
            f"the result changed while paging: totalPages/totalElements {page.total_pages}/{page.total_elements}, "
            f"page 1 said {first.total_pages}/{first.total_elements}",
        )


def _on_page(exc: SourceError, number: int, total: int | None) -> None:
    """Name the page in the error, keeping its class and whether it is worth a retry."""
    label = f"page {number}" + (f" of {total}" if total else "")
    if not exc.reason.startswith(label):
        exc.add_context(label)
