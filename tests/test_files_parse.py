"""Responsible bodies' reports: template checks that name file, row and column, on crafted files.

Every file here is SYNTHETIC, built in the test with openpyxl or the csv module.
"""

from __future__ import annotations

import csv
import os
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from files_helpers import HEADER, KNOWN_KATO, csv_bytes, row, xlsx_bytes
from openpyxl import load_workbook

from etl import config
from etl.catalogue.files import CatalogueError, Row
from etl.sources.errors import SourceError
from etl.sources.files import replay
from etl.sources.files.inbox import Inbox
from etl.sources.files.parse import parse_report
from etl.sources.files.source import FilesSource
from etl.sources.files.template import COLUMNS

URL = "file:///inbox/health_2025.xlsx"
TEMPLATES = config.PROJECT_ROOT / "templates"

# value as written -> (value, status, value_text) computed by hand, not by the parser
FORMS = [
    ("12,5", Decimal("12.5"), "A"),
    ("1 234,5", Decimal("1234.5"), "A"),
    ("7", Decimal("7"), "A"),
    ("0.25", Decimal("0.25"), "A"),
    ("x", None, "suppressed"),
    ("х", None, "suppressed"),  # Cyrillic
    ("-", None, "missing"),
    ("", None, "missing"),
]
REGIONS = ["000000000", "710000000", "750000000", "790000000", "100000000", "510000000", "190000000", "230000000"]


def _good_rows() -> list[list]:
    return [
        row(kato=kato, value=text, year=2020 + i % 3)
        for i, ((text, _, _), kato) in enumerate(zip(FORMS, REGIONS, strict=True))
    ]


def _parse(content: bytes, name: str = "health_2025.xlsx", **kw):
    url = f"file:///inbox/{name}"
    return parse_report(content, file_name=name, url=url, is_known_kato=KNOWN_KATO.__contains__, **kw)


def _check_good(frame) -> None:
    assert len(frame) == len(FORMS)
    by_kato = frame.set_index("kato_code")
    for i, ((text, value, status), kato) in enumerate(zip(FORMS, REGIONS, strict=True)):
        got = by_kato.loc[kato]
        assert (got["value_text"], got["obs_status"]) == (text, status)
        assert (got["value"] if value is not None else None) == value
        assert got["period_start"] == date(2020 + i % 3, 1, 1) and got["period_end"] == date(2020 + i % 3, 12, 31)
        assert (got["frequency"], got["dims"], got["unit"]) == ("A", "INDICATOR=3.3.1", "процент")


def test_good_xlsx_loads_every_value_form():
    _check_good(_parse(xlsx_bytes(_good_rows())).frame)


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", False), (";", True), (",", True), ("\t", False)])
def test_good_csv_loads_with_any_accepted_delimiter_and_bom(delimiter, bom):
    _check_good(_parse(csv_bytes(_good_rows(), delimiter, bom), "health_2025.csv").frame)


def test_xlsx_numbers_and_whole_floats_are_read_as_typed():
    rows = [row(kato=710000000, year=2024.0, value=12.5), row(kato="750000000", value=3, year="2024")]
    frame = _parse(xlsx_bytes(rows)).frame.set_index("kato_code")
    assert frame.loc["710000000", "value"] == Decimal("12.5") and frame.loc["710000000", "value_text"] == "12.5"
    assert frame.loc["750000000", "value"] == Decimal("3")


def test_breakdown_goes_to_dims_sorted_and_totals_left_out():
    rows = [
        row(breakdown="SEX=F; AGE=Y15T24"),
        row(breakdown="sex=M|URBANISATION=U"),
        row(breakdown="SEX=_T", kato="750000000"),
    ]
    dims = list(_parse(xlsx_bytes(rows)).frame["dims"])
    assert dims == ["AGE=Y15T24|INDICATOR=3.3.1|SEX=F", "INDICATOR=3.3.1|SEX=M|URBANISATION=U", "INDICATOR=3.3.1"]


def test_series_unit_is_the_default_and_the_row_unit_wins():
    frame = _parse(xlsx_bytes([row(unit=""), row(kato="750000000")]), unit="на 1000").frame
    assert list(frame["unit"]) == ["на 1000", "процент"]


def test_indicator_filter_keeps_declared_codes_and_counts_the_rest():
    rows = [row(), row(indicator="3.b.1"), row(indicator="3.b.1", kato="750000000")]
    result = _parse(xlsx_bytes(rows), indicators=frozenset({"3.b.1"}))
    assert len(result.frame) == 2 and result.skipped_rows == 1
    assert set(result.frame["dims"]) == {"INDICATOR=3.b.1"}


BAD_CELLS = [
    ("kato", "71000000", "column «Код КАТО»: '71000000' is not a 9-digit KATO code"),
    ("kato", "999999999", "column «Код КАТО»: '999999999' is not a KATO code of a region in catalogue/regions.csv"),
    ("kato", "", "column «Код КАТО»: '' is not a 9-digit KATO code"),
    ("year", 2031, "column «Год»: 2031 is out of range 1991–2030"),
    ("year", 1980, "column «Год»: 1980 is out of range 1991–2030"),
    ("year", "2024 г.", "column «Год»: '2024 г.' is not a year"),
    ("value", "12,5%", "column «Значение»: '12,5%' is not a number, 'x' (confidential) or '-'/empty (no data)"),
    ("value", "н/д", "column «Значение»: 'н/д' is not a number"),
    ("indicator", "", "column «Код индикатора»: value required"),
    ("indicator", "3 3 1", "column «Код индикатора»: '3 3 1' is not an indicator code"),
    ("breakdown", "SEX:F", "column «Разрез»: 'SEX:F' is not DIMENSION=CODE"),
    ("breakdown", "INDICATOR=4.1.1", "column «Разрез»: dimension INDICATOR is reserved"),
    ("breakdown", "SEX=F; SEX=M", "column «Разрез»: dimension SEX is given twice"),
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize(("key", "cell", "message"), BAD_CELLS)
def test_each_bad_cell_is_named_by_file_row_and_column(fmt, key, cell, message):
    rows = [row(), row(**{"kato": "750000000", key: cell})]  # the bad cell is on row 3 (header = row 1)
    name = f"health_2025.{fmt}"
    content = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows, ";")
    with pytest.raises(SourceError) as caught:
        _parse(content, name, max_year=2030)
    assert caught.value.url == f"file:///inbox/{name}"
    assert f"{name}, row 3, {message}" in str(caught.value)
    assert "(1 problem(s))" in str(caught.value)


def test_every_problem_is_listed_up_to_the_limit():
    rows = [row(), row(kato="1"), row(year=1900, kato="750000000"), row(value="??", kato="790000000")]
    with pytest.raises(SourceError) as caught:
        _parse(xlsx_bytes(rows))
    message = str(caught.value)
    assert "(3 problem(s))" in message
    for fragment in ("row 3, column «Код КАТО»", "row 4, column «Год»", "row 5, column «Значение»"):
        assert f"health_2025.xlsx, {fragment}" in message
    with pytest.raises(SourceError, match=r"\(3 problem\(s\), first 2 shown\)") as caught:
        _parse(xlsx_bytes(rows), max_problems=2)
    assert "row 5" not in str(caught.value)


def test_repeated_cut_names_both_rows_and_total_breakdown_counts_as_total():
    rows = [row(), row(breakdown="SEX=F"), row(breakdown="SEX=_T")]
    message = r"row 4, columns «Код индикатора», «Код КАТО», «Год», «Разрез»: repeats row 2 \(same indicator"
    with pytest.raises(SourceError, match=message):
        _parse(xlsx_bytes(rows))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ([t for t in HEADER if t != "Год"], r"row 1, column «Год»: required column is missing"),
        ([*HEADER[:8], "Комментарий"], r"row 1, column 9 «Комментарий»: unknown column; the template has «Код"),
        ([*HEADER[:8], "Код КАТО"], r"row 1, column 9 «Код КАТО»: column «Код КАТО» appears twice"),
    ],
)
def test_header_must_fit_the_template(header, message):
    rows = [row()[: len(header)]]
    for content, name in ((xlsx_bytes(rows, header), "h.xlsx"), (csv_bytes(rows, header=header), "h.csv")):
        with pytest.raises(SourceError, match=message):
            _parse(content, name)


def test_header_is_matched_regardless_of_case_and_spaces():
    header = [f"  {t.upper()}\u00a0" for t in HEADER]
    assert len(_parse(xlsx_bytes([row()], header)).frame) == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (csv_bytes([row()]).decode("utf-8").encode("cp1251"), "r.csv", r"r\.csv: not UTF-8 \(byte 0x.. at position"),
        (csv_bytes([row()]).decode("utf-8").encode("utf-16"), "r.csv", r"r\.csv: file is UTF-16"),
        (random.Random(1).randbytes(4000), "r.xlsx", r"r\.xlsx: not a readable XLSX workbook \(not a zip archive\)"),
        (b"PK\x03\x04" + random.Random(2).randbytes(4000), "r.xlsx", r"r\.xlsx: not a readable XLSX workbook"),
        (b"\xd0\xcf\x11\xe0" + bytes(100), "r.xls", r"r\.xls: old binary Excel \(\.xls\) is not accepted"),
        (b"a,b\n", "r.txt", r"r\.txt: expected a \.xlsx or \.csv file"),
        (b"", "r.csv", r"r\.csv: row 1 should be the template's header row"),
        (b"\n\n", "r.csv", r"r\.csv: row 1 should be the template's header row"),
    ],
    ids=["cp1251", "utf16", "random-xlsx", "broken-zip", "xls", "txt", "empty", "blank-lines"],
)
def test_unreadable_files_are_rejected_with_a_clear_reason(content, name, message):
    with pytest.raises(SourceError, match=message) as caught:
        _parse(content, name)
    assert caught.value.source == "files" and caught.value.url == f"file:///inbox/{name}"


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path):
    import zipfile

    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(SourceError, match=r"r\.xlsx: not a readable XLSX workbook: "):
        _parse(path.read_bytes(), "r.xlsx")


def test_excel_date_in_value_column_is_named():
    with pytest.raises(SourceError, match=r"row 2, column «Значение»: 2024-05-01 00:00:00 is a date"):
        _parse(xlsx_bytes([row(value=datetime(2024, 5, 1))]))


def test_first_sheet_is_read_when_no_sheet_is_named_data():
    assert len(_parse(xlsx_bytes([row()], sheet="Лист1")).frame) == 1


@pytest.mark.parametrize("name", ["responsible_body_report.xlsx", "responsible_body_report.csv"])
def test_shipped_templates_fit_and_are_empty(name):
    result = _parse((TEMPLATES / name).read_bytes(), name)
    assert result.frame.empty and result.skipped_rows == 0


def test_shipped_templates_follow_the_column_list():
    book = load_workbook(TEMPLATES / "responsible_body_report.xlsx")
    assert book.sheetnames == ["Данные", "Инструкция"]
    assert [c.value for c in book["Данные"][1]] == [c.title for c in COLUMNS]
    instructions = "\n".join(str(c.value) for c in book["Инструкция"]["A"] if c.value)
    assert all(f"«{c.title}»" in instructions for c in COLUMNS)
    assert book["Данные"].data_validations.dataValidation  # input hints for people typing
    with (TEMPLATES / "responsible_body_report.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == [c.title for c in COLUMNS]


def test_inbox_lists_only_plain_matching_files_sorted(tmp_path):
    for name in ("health_2025.xlsx", "health_2024.xlsx", "education_2024.csv", ".health_x.xlsx", "~$health_1.xlsx"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "health_dir.xlsx").mkdir()
    os.symlink(tmp_path / "health_2024.xlsx", tmp_path / "health_link.xlsx")
    inbox = Inbox(tmp_path)
    assert inbox.names("health_*.xlsx") == ["health_2024.xlsx", "health_2025.xlsx"]
    assert inbox.names("*") == ["education_2024.csv", "health_2024.xlsx", "health_2025.xlsx"]
    fetched = inbox.read("health_2024.xlsx", "health_dept")
    assert fetched.url == (tmp_path / "health_2024.xlsx").as_uri() and fetched.content == b"x"
    assert fetched.status == 200 and fetched.params["file"] == "health_2024.xlsx"
    assert Inbox(tmp_path.as_uri()).names("health_2025.*") == ["health_2025.xlsx"]
    with pytest.raises(ValueError, match="not a plain file name"):
        inbox.read("../etc/passwd", "x")


def test_inbox_location_comes_from_env_or_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SDG_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SDG_FILES_INBOX", raising=False)
    assert FilesSource().inbox.root == (tmp_path / "var" / "inbox").resolve()
    assert FilesSource().inbox.names("*") == []  # the default inbox is created empty
    monkeypatch.setenv("SDG_FILES_INBOX", str(tmp_path / "drop"))
    assert FilesSource().inbox.root == (tmp_path / "drop").resolve()
    with pytest.raises(SourceError, match=r"inbox folder does not exist \(set SDG_FILES_INBOX\)"):
        FilesSource().inbox.names("*")
    with pytest.raises(ValueError, match="object stores"):
        FilesSource(base_url="s3://bucket/inbox")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"series_key": "health"}, "files series keys start with 'files:'"),
        ({"pattern": "../health_*.xlsx"}, "expected a file-name glob"),
        ({"pattern": ".hidden*"}, "expected a file-name glob"),
        ({"submitter": "Health Dept"}, "expected an id like health_dept"),
    ],
)
def test_catalogue_row_checks(values, message):
    data = {"series_key": "files:health_dept", "submitter": "health_dept", "pattern": "health_*.xlsx", "indicators": ""}
    good = FilesSource.series_params(Row(Path("files.csv"), 2, dict(data), "series/files.csv"))
    assert good == {"submitter": "health_dept", "pattern": "health_*.xlsx", "indicators": []}
    with pytest.raises(CatalogueError, match=message):
        FilesSource.series_params(Row(Path("files.csv"), 2, {**data, **values}, "series/files.csv"))


def test_replay_has_nothing_to_serve_for_files(tmp_path):
    assert replay.resolve(tmp_path, "/health_2024.xlsx", "") is None
