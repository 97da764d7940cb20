"""Writing the overview beside the newest national extract of a year, and recording it as the extract's files.

Why the overview is a sibling of the extract (``sdg.report_file``) and not a report of its own: it says what
that extract version says, goes out with it (``etl.delivery.send`` attaches it) and needs no versions of its own.
It is written only when the extract still matches the warehouse, once per version, never overwritten.
The HTML is always written; the PDF when a headless Chromium is at hand (``config.chromium``), else the
result says that none was printed and why.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.exports.files import write_atomically
from etl.reports.boundaries import load_boundary_map
from etl.reports.issuing import latest_report
from etl.reports.national_extract_model import NationalExtract
from etl.reports.print_layout import DocumentInfo

log = logging.getLogger(__name__)

LANGUAGES = ("ru", "kk")
#: Seconds Chromium may take to print one page to PDF.
PRINT_TIMEOUT = 180

_FILES = "SELECT format, language, path FROM sdg.report_file WHERE report_id = :r AND format IN ('html', 'pdf')"
_RECORD = """
INSERT INTO sdg.report_file (report_id, format, language, path, sha256) VALUES (:r, :f, :l, :p, :s)
ON CONFLICT DO NOTHING
"""


class PrintFailed(RuntimeError):
    """Chromium did not print the page (the message has its exit code and last lines of output)."""


@dataclass
class OverviewFiles:
    """What :func:`write_overview` did for one year."""

    year: int
    extract_version: int | None = None
    written: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    #: why nothing (or no PDF) was written, for the run's summary
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "extract_version": self.extract_version,
            "written": self.written,
            "present": self.present,
            "skipped": self.skipped,
        }


def write_overview(engine: Engine, year: int, extract: NationalExtract | None = None) -> OverviewFiles:
    """The overview pages (and PDFs) of the newest national extract of ``year``, where they are missing.

    ``extract``: the extract just issued, if the caller has it (saves building it again; its hash is checked).
    """
    result = OverviewFiles(year)
    with engine.begin() as conn:
        latest = latest_report(conn, "national_extract", None, year)
        if latest is None:
            result.skipped.append(f"no national extract of {year} issued (sdg report extract --year {year})")
            return result
        result.extract_version = latest.version
        have = {(r.format, r.language): Path(r.path) for r in conn.execute(text(_FILES), {"r": latest.report_id})}
        result.present = [str(path) for path in have.values()]
        browser = config.chromium()  # looked up once: it decides what is wanted and prints it
        wanted = _wanted(have, browser)
        if not wanted:
            return result
        pages = _pages(conn, latest, year, result, extract)
        if pages is None:
            return result
        for language, html in pages.items():
            if ("html", language) in wanted:
                _record(conn, latest.report_id, "html", language, _html_path(latest, language), html.encode(), result)
        _print_pdfs(conn, latest, have, wanted, result, browser)
    return result


def _wanted(have: dict, browser: str | None) -> set[tuple[str, str]]:
    wanted = {(fmt, language) for fmt in ("html", "pdf") for language in LANGUAGES} - set(have)
    if wanted and not browser:
        wanted = {w for w in wanted if w[0] != "pdf"}
    return wanted


def _pages(conn: Connection, latest, year: int, result: OverviewFiles, extract) -> dict[str, str] | None:
    """The HTML of each language, or None when the extract no longer says what the warehouse says."""
    from etl.reports.national_extract import build_national_extract, extract_hash
    from etl.reports.overview import build_overview
    from etl.reports.overview_html import render_overview

    if extract is None or extract.status != latest.status or extract_hash(extract) != latest.content_sha256:
        extract = build_national_extract(conn, year, latest.status)
    if extract_hash(extract) != latest.content_sha256:
        result.skipped.append(
            f"national extract v{latest.version} no longer matches the warehouse: its next version gets the overview"
        )
        return None
    overview = build_overview(conn, extract)
    boundary_file = config.boundary_file()
    regions = [r.kato_code for r in extract.regions]
    boundaries = load_boundary_map(conn, boundary_file, regions) if boundary_file else None
    if boundary_file is None:
        result.skipped.append("no map: no boundary file configured (SDG_BOUNDARY_FILE)")
    info = DocumentInfo(latest.status, latest.version, latest.created_at.date(), latest.content_sha256)
    return {language: render_overview(overview, info, language, boundaries) for language in LANGUAGES}


def _html_path(latest, language: str) -> Path:
    xlsx = Path(latest.path)
    return xlsx.with_name(f"{xlsx.stem}_overview_{language}.html")


def _record(conn: Connection, report_id: int, fmt: str, language: str, path: Path, content: bytes, result) -> None:
    write_atomically(path, content)  # not recorded yet: a file left by a rolled-back run is replaced
    params = {"r": report_id, "f": fmt, "l": language, "p": str(path), "s": hashlib.sha256(content).hexdigest()}
    conn.execute(text(_RECORD), params)
    result.written.append(str(path))
    log.info("overview %s (%s) written: %s", fmt, language, path)


def _print_pdfs(conn: Connection, latest, have: dict, wanted: set, result: OverviewFiles, browser: str | None) -> None:
    if browser is None:
        off = config.chromium_off()
        why = "printing is switched off (SDG_CHROMIUM=off)" if off else "no headless Chromium found (install chromium)"
        result.skipped.append(f"no PDF: {why}")
        return
    for language in LANGUAGES:
        if ("pdf", language) not in wanted:
            continue
        html = have.get(("html", language)) or _html_path(latest, language)
        pdf = print_pdf(browser, html)
        _record(conn, latest.report_id, "pdf", language, html.with_suffix(".pdf"), pdf, result)


def print_pdf(browser: str, html: Path) -> bytes:
    """Chromium's print of ``html`` (A4, the page's own margins, no header or footer): the PDF's bytes."""
    with tempfile.TemporaryDirectory(prefix="sdg-print-") as tmp:
        out = Path(tmp) / "page.pdf"
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrintFailed(f"{browser} did not print {html} within {PRINT_TIMEOUT} s") from exc
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise PrintFailed(f"{browser} could not print {html} (exit {done.returncode}): {tail}")
        return out.read_bytes()
