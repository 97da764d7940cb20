"""Tests of the Appendix 2 (order No. 236) XLSX writer; no database needed.

All rows below are SYNTHETIC test data made up for layout checks: the indicator names, responsible
bodies, plans and facts are not real values for any region of Kazakhstan.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from etl.reports.appendix2_xlsx import appendix2_filename, read_appendix2, write_appendix2
from etl.reports.forms import ACTIVITIES_FOOTNOTE_RU, APPENDIX2_COLUMNS_RU, Appendix2Form, FormRow

# Synthetic indicator rows: decimals 1 and 2, a suppressed fact ("x"), a missing fact, a Cyrillic note.
INDICATORS = [
    FormRow(
        number="1.1",
        name="Доля населения, живущего ниже черты бедности (синтетический)",
        responsible="Управление координации занятости",
        source="БНС АСПиР РК",
        unit="%",
        year=2024,
        plan=Decimal("5.0"),
        fact=Decimal("4.3"),
        decimals=1,
        note="Снижение за счёт роста доходов",
    ),
    FormRow(
        number="3.2",
        name="Коэффициент младенческой смертности (синтетический)",
        responsible="Управление здравоохранения",
        source="МЗ РК",
        unit="на 1000 родившихся",
        year=2024,
        fact=Decimal("7.25"),
        decimals=2,
    ),
    FormRow(
        number="8.5",
        name="Уровень безработицы (синтетический)",
        responsible="Управление занятости",
        source="БНС АСПиР РК",
        unit="%",
        year=2024,
        fact_text="x",
        note="Данные конфиденциальны",
    ),
    FormRow(
        number="6.1",
        name="Доступ к питьевой воде (синтетический)",
        responsible="Управление энергетики и ЖКХ",
        source="Акимат",
        unit="%",
        year=2024,
        plan=Decimal("100"),
        decimals=0,
    ),
]

# Synthetic activities of an initiative group.
ACTIVITIES = [
    FormRow(
        number="1",
        name="Проведение семинара по ЦУР для сельских округов (синтетический)",
        responsible="Инициативная группа",
        source="Отчёт акимата района",
        unit="ед.",
        year=2024,
        plan=Decimal("2"),
        fact=Decimal("3"),
        decimals=0,
    ),
    FormRow(
        number="2",
        name="Озеленение школьных дворов (синтетический)",
        responsible="Инициативная группа",
        source="Отчёт акимата района",
        unit="деревьев",
        year=2024,
        fact=Decimal("150.5"),
        decimals=1,
        note="Работы продолжатся весной",
    ),
]


def make_form(activities: list[FormRow] | None = None, status: str = "draft") -> Appendix2Form:
    return Appendix2Form(
        kato_code="750000000",
        region_name_ru="город Алматы",
        region_name_kk="Алматы қаласы",
        year=2024,
        indicators=list(INDICATORS),
        activities=list(activities or []),
        provenance_note="Синтетические данные для теста; выгрузка 2025-01-15",
        status=status,
    )


def find_row(ws, text: str) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == text:
            return row
    raise AssertionError(f"{text!r} not found in column A")


@pytest.fixture
def written(tmp_path: Path):
    path = write_appendix2(make_form(ACTIVITIES, status="final"), tmp_path / "form.xlsx")
    workbook = openpyxl.load_workbook(path)
    return path, workbook["Приложение 2"]


def test_headers_numbering_and_title(written) -> None:
    path, ws = written
    assert path.exists()
    assert ws.title == "Приложение 2"
    assert [ws.cell(row=5, column=c).value for c in range(1, 10)] == list(APPENDIX2_COLUMNS_RU)
    numbering = [ws.cell(row=6, column=c).value for c in range(1, 10)]
    assert numbering == list(range(1, 10))
    assert all(type(value) is int for value in numbering)
    assert "Приложение 2" in ws["A1"].value
    assert ws["A1"].alignment.horizontal == "right"
    assert "город Алматы" in ws["A2"].value and "2024" in ws["A2"].value
    assert ws["A2"].font.bold
    assert "Алматы қаласы" in ws["A3"].value and "2024" in ws["A3"].value
    assert ws["A3"].font.italic
    assert ws["A4"].value is None
    assert ws["A5"].font.bold and ws["A5"].alignment.wrap_text
    assert ws.freeze_panes == "A7"
    assert ws.page_setup.orientation == "landscape"
    assert ws.column_dimensions["B"].width == 60
    assert {"A1:I1", "A2:I2", "A3:I3", "A7:I7"} <= {str(r) for r in ws.merged_cells.ranges}


def test_indicator_rows_cell_by_cell(written) -> None:
    _, ws = written
    assert ws["A7"].value == "Индикаторы" and ws["A7"].font.bold
    expected = [
        (
            "1.1",
            INDICATORS[0].name,
            "Управление координации занятости",
            "БНС АСПиР РК",
            "%",
            2024,
            5.0,
            4.3,
            "Снижение за счёт роста доходов",
        ),
        (
            "3.2",
            INDICATORS[1].name,
            "Управление здравоохранения",
            "МЗ РК",
            "на 1000 родившихся",
            2024,
            None,
            7.25,
            None,
        ),
        (
            "8.5",
            INDICATORS[2].name,
            "Управление занятости",
            "БНС АСПиР РК",
            "%",
            2024,
            None,
            "x",
            "Данные конфиденциальны",
        ),
        ("6.1", INDICATORS[3].name, "Управление энергетики и ЖКХ", "Акимат", "%", 2024, 100.0, None, None),
    ]
    for offset, row_values in enumerate(expected):
        row = 8 + offset
        actual = tuple(ws.cell(row=row, column=c).value for c in range(1, 10))
        assert actual == row_values, f"row {row}"
        assert isinstance(ws.cell(row=row, column=1).value, str)
        assert type(ws.cell(row=row, column=6).value) is int
        for col in range(1, 10):
            assert ws.cell(row=row, column=col).border.left.style == "thin"
        assert ws.cell(row=row, column=2).alignment.wrap_text
    assert ws["H8"].number_format == "0.0"
    assert ws["H9"].number_format == "0.00"
    assert ws["G11"].number_format == "0"
    assert ws["H10"].data_type == "s"


def test_activities_block_footnote_and_status(written) -> None:
    _, ws = written
    header = find_row(ws, "Мероприятия*")
    assert header == 12
    assert ws.cell(row=header, column=1).font.bold
    assert f"A{header}:I{header}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(row=header + 1, column=2).value == ACTIVITIES[0].name
    assert ws.cell(row=header + 1, column=8).value == 3.0
    assert ws.cell(row=header + 1, column=8).number_format == "0"
    assert ws.cell(row=header + 2, column=8).value == 150.5
    assert ws.cell(row=header + 2, column=8).number_format == "0.0"
    assert all(ws.cell(row=header + 3, column=c).value is None for c in range(1, 10))  # blank row
    footnote = find_row(ws, ACTIVITIES_FOOTNOTE_RU)
    assert footnote == header + 4
    assert ws.cell(row=footnote, column=1).font.italic
    assert ws.cell(row=footnote + 1, column=1).value.startswith("Синтетические данные")
    assert ws.cell(row=footnote + 2, column=1).value == "Статус: окончательный"


def test_no_activities_gives_header_and_one_empty_bordered_row(tmp_path: Path) -> None:
    path = write_appendix2(make_form([], status="draft"), tmp_path / "empty.xlsx")
    ws = openpyxl.load_workbook(path)["Приложение 2"]
    header = find_row(ws, "Мероприятия*")
    for col in range(1, 10):
        cell = ws.cell(row=header + 1, column=col)
        assert cell.value is None
        assert cell.border.top.style == "thin" and cell.border.bottom.style == "thin"
    assert find_row(ws, ACTIVITIES_FOOTNOTE_RU) == header + 3
    assert find_row(ws, "Статус: черновик") > header
    data = read_appendix2(path)
    assert data["activities"] == []
    assert data["status"] == "draft"


@pytest.mark.parametrize(
    ("status", "text"), [("draft", "черновик"), ("final", "окончательный"), ("amended", "с изменениями")]
)
def test_status_lines(tmp_path: Path, status: str, text: str) -> None:
    path = write_appendix2(make_form(status=status), tmp_path / f"{status}.xlsx")
    data = read_appendix2(path)
    assert data["status_text"] == f"Статус: {text}"
    assert data["status"] == status


def test_unknown_status_is_rejected_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown form status"):
        write_appendix2(make_form(status="published"), tmp_path / "bad.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_read_appendix2_round_trip(written) -> None:
    path, _ = written
    data = read_appendix2(path)
    assert data["title"] == "Отчет о мониторинге достижения индикаторов ЦУР: город Алматы за 2024 год"
    assert data["headers"] == list(APPENDIX2_COLUMNS_RU)
    assert data["numbering"] == list(range(1, 10))
    assert [row[0] for row in data["indicators"]] == ["1.1", "3.2", "8.5", "6.1"]
    assert data["indicators"][0][6:8] == (5.0, 4.3)
    assert data["indicators"][2][7] == "x"
    assert data["indicators"][3][7] is None
    assert all(len(row) == 9 for row in data["indicators"] + data["activities"])
    assert [row[1] for row in data["activities"]] == [a.name for a in ACTIVITIES]
    assert data["footnote"] == ACTIVITIES_FOOTNOTE_RU
    assert data["provenance_note"].startswith("Синтетические данные")
    assert data["status"] == "final"


def test_overwrite_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "form.xlsx"
    target.write_bytes(b"old, not a workbook")
    write_appendix2(make_form(ACTIVITIES), target)
    assert read_appendix2(target)["status"] == "draft"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["form.xlsx"]


def test_missing_directory_raises_clear_error_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "form.xlsx"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_appendix2(make_form(), target)
    assert list(tmp_path.iterdir()) == []


def test_failure_during_save_leaves_no_temp_files(tmp_path: Path, monkeypatch) -> None:
    def boom(self, filename) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    target = tmp_path / "form.xlsx"
    with pytest.raises(OSError, match="disk full"):
        write_appendix2(make_form(), target)
    assert list(tmp_path.iterdir()) == []


def test_workbook_properties(written) -> None:
    path, _ = written
    props = openpyxl.load_workbook(path).properties
    assert props.creator == "SDG monitoring pipeline"
    assert "город Алматы" in props.title


def test_filename_is_ascii_and_safe() -> None:
    assert appendix2_filename(make_form()) == "appendix2_750000000_2024.xlsx"
    odd = Appendix2Form(kato_code=" 75/00 00 ", region_name_ru="", region_name_kk="", year=2024)
    name = appendix2_filename(odd)
    assert name.isascii() and "/" not in name and " " not in name
    with pytest.raises(ValueError):
        appendix2_filename(Appendix2Form(kato_code="Алматы", region_name_ru="", region_name_kk="", year=2024))
