"""Print-ready workbooks (issue 10, point 4): each kind of issued workbook rendered to PDF by LibreOffice
headless, as a reader's printer would get it, and measured: every page A4 landscape, a page count bounded by
the rows (legible type costs pages, cramming saves them: both bounded), no type under 8 pt, and the
document's content hash on every page. Numbers are numbers with one format per indicator.

LibreOffice (Debian ``libreoffice-calc``, with the metric-compatible fonts ``fonts-liberation`` and
``fonts-crosextra-carlito``) and poppler-utils are installed by ``.ci/run``; without them these tests fail,
they are not skipped. Data: the bundled Taldau samples (SYNTHETIC numbers in the real shape).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from etl import config
from etl.jobs import issue_appendix1, issue_forms, issue_national_extract
from etl.reports import appendix1, appendix2_xlsx, national_extract_xlsx
from etl.reports.print_layout import BOLD_CHAR_EM, CELL_PADDING_PT, MIN_PRINTED_PT, PT_PER_WIDTH_UNIT, check_legible

YEAR = 2025
ASTANA = "710000000"
A4_LANDSCAPE = (841.9, 595.3)  # 297 × 210 mm
#: a PDF word box is 1.3 × the font size tall (measured on Liberation Serif); the tolerance is rounding
BOX_PER_PT, TOLERANCE_PT = 1.3, 0.15


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: .ci/run installs libreoffice-calc and poppler-utils (Debian)")
    return path


def _to_pdf(xlsx: Path, out: Path) -> Path:
    profile = out / "lo-profile"
    subprocess.run(
        [
            _tool("soffice"),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    pdf = out / (xlsx.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
    return pdf


def _pages(pdf: Path) -> list[tuple[float, float]]:
    """Size in points of every page."""
    info = subprocess.run([_tool("pdfinfo"), "-f", "1", "-l", "100000", str(pdf)], capture_output=True, text=True)
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout)]


def _smallest_type_pt(pdf: Path) -> float:
    words = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', words)]
    assert heights, f"{pdf.name}: no text found"
    return min(heights) / BOX_PER_PT


def _page_texts(pdf: Path) -> list[str]:
    return subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.split(
        "\f"
    )[:-1]


def _check_pdf(pdf: Path, content_sha256: str, max_pages: int, min_pages: int) -> int:
    pages = _pages(pdf)
    assert min_pages <= len(pages) <= max_pages, (pdf.name, len(pages), min_pages, max_pages)
    for number, (width, height) in enumerate(pages, start=1):
        assert (round(width, 1), round(height, 1)) == A4_LANDSCAPE, (pdf.name, number, width, height)
    smallest = _smallest_type_pt(pdf)
    assert smallest >= MIN_PRINTED_PT - TOLERANCE_PT, (pdf.name, smallest)
    texts = _page_texts(pdf)
    assert len(texts) == len(pages)
    # LibreOffice 7.4 paginates the 1,440-line Kazakh sheet of the extract three pages longer than it prints
    # (empty pages, not even the footer; the same rows in Russian do not; Excel paginates itself): tolerated up
    # to 2 % of the pages and only where a blank page follows a printed one, never inside a short document
    blank = [n for n, page in enumerate(texts, start=1) if not page.strip()]
    assert len(blank) <= len(pages) // 50, (pdf.name, blank)
    assert all(n > 1 for n in blank), (pdf.name, blank)
    missing = [
        n for n, page in enumerate(texts, start=1) if n not in blank and content_sha256 not in page.replace(" ", "")
    ]
    assert not missing, f"{pdf.name}: no content hash on pages {missing[:10]}"
    return len(pages)


def test_every_layout_prints_legibly_and_keeps_header_words_whole():
    layouts = {
        "appendix2": (appendix2_xlsx.COLUMN_WIDTHS, [t.columns for t in appendix2_xlsx.TEXTS.values()]),
        "appendix1": (appendix1.WIDTHS, [t["columns"] for t in appendix1.TEXTS.values()]),
        "extract lines": (
            national_extract_xlsx.LINE_WIDTHS,
            [t.line_columns for t in national_extract_xlsx.TEXTS.values()],
        ),
        "extract coverage": (
            national_extract_xlsx.COVERAGE_WIDTHS,
            [t.coverage_columns for t in national_extract_xlsx.TEXTS.values()],
        ),
        "extract integration": (
            national_extract_xlsx.INTEGRATION_WIDTHS,
            [t.integration_columns for t in national_extract_xlsx.TEXTS.values()],
        ),
    }
    for name, (widths, header_sets) in layouts.items():
        assert check_legible(widths, 10, name) >= MIN_PRINTED_PT
        for headers in header_sets:
            for header, width in zip(headers, widths, strict=True):
                room = width * PT_PER_WIDTH_UNIT - CELL_PADDING_PT
                for word in header.split():
                    assert len(word) * 10 * BOLD_CHAR_EM <= room + 0.5, (name, header, word, width)
    with pytest.raises(ValueError, match="would print at"):
        check_legible((60,) * 5, 10, "too wide")


@pytest.mark.slow
def test_each_kind_of_workbook_prints_on_a4_landscape_legibly(facts, tmp_path):
    forms = issue_forms(YEAR)
    issue_appendix1(YEAR)
    extract = issue_national_extract(YEAR)
    form = next(Path(p) for p in forms["paths"] if f"_{ASTANA}_" in p)
    listing = config.reports_dir() / str(YEAR) / "appendix1" / f"appendix1_{ASTANA}_{YEAR}_v1.xlsx"
    with facts.connect() as conn:
        hashes = dict(conn.exec_driver_sql("SELECT path, content_sha256 FROM sdg.report").all())

    book = load_workbook(form)
    form_rows = sum(1 for r in book["Приложение 2"].iter_rows(min_row=8, max_col=1, values_only=True) if r[0])
    # two sheets; a form line takes at most 5 lines of text, a page holds at least 5 lines of it
    _check_pdf(_to_pdf(form, tmp_path), hashes[str(form)], 2 * math.ceil(form_rows / 4 + 1), 2)

    list_rows = load_workbook(listing)["Приложение 1"].max_row - appendix1.HEADER_ROW
    _check_pdf(_to_pdf(listing, tmp_path), hashes[str(listing)], 2 * math.ceil(list_rows / 4 + 1), 2)

    lines = load_workbook(extract["path"], read_only=True)["Свод ЦУР"].max_row - 4
    # per language: the lines sheet (at most 6 lines a page), coverage and paragraph 26 (20 regions each);
    # at least one page per 30 lines: the old layout crammed 110 lines a page at 5 pt
    pages = _check_pdf(
        _to_pdf(Path(extract["path"]), tmp_path),
        hashes[extract["path"]],
        2 * (math.ceil(lines / 6) + 8),
        2 * math.ceil(lines / 30),
    )
    print(f"national extract: {lines} lines per language, {pages} pages")


def test_numbers_are_numbers_with_one_format_per_indicator(issued_2025):
    extract = issued_2025["extract"]  # issue_forms(YEAR), then issue_national_extract(YEAR)
    ws = load_workbook(extract["path"])["Свод ЦУР"]
    formats: dict[str, set[str]] = defaultdict(set)
    numbers = 0
    for row in range(5, ws.max_row + 1):
        code = ws.cell(row=row, column=4).value
        for col in (8, 9):  # plan, fact
            cell = ws.cell(row=row, column=col)
            if isinstance(cell.value, str):
                assert cell.value == "x", (cell.coordinate, cell.value)  # only the suppression mark is text
            elif cell.value is not None:
                numbers += 1
                formats[code].add(cell.number_format)
                assert re.fullmatch(r"0(\.0+)?", cell.number_format), (cell.coordinate, cell.number_format)
        for col in (14, 15):  # ESCAP indices: two decimals
            if ws.cell(row=row, column=col).value is not None:
                assert ws.cell(row=row, column=col).number_format == "0.00"
    assert numbers > 0
    assert all(len(found) == 1 for found in formats.values()), {k: v for k, v in formats.items() if len(v) > 1}
