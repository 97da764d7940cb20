"""Tests of the Appendix 2 (order No. 236) XLSX writer; no database needed.

All rows below are SYNTHETIC test data made up for layout checks: the indicator names, responsible
bodies, plans and facts are not real values for any region of Kazakhstan.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from etl.reports.appendix2_xlsx import appendix2_filename, read_appendix2, write_appendix2
from etl.reports.forms import (
    ACTIVITIES_FOOTNOTE_KK,
    ACTIVITIES_FOOTNOTE_RU,
    APPENDIX2_COLUMNS_KK,
    APPENDIX2_COLUMNS_RU,
    Appendix2Form,
    FormRow,
)

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
    # the order's heading (issue 10): label and «Форма» over the right-hand columns, title, region and year
    assert ws["F1"].value.startswith("Приложение 2 к приказу Министра национальной экономики")
    assert ws["F2"].value == "Форма"
    assert ws["A3"].value == "Мониторинг реализации задач и индикаторов Целей устойчивого развития"
    assert ws["A4"].value == "город Алматы за 2024 год"
    assert ws["A3"].font.bold and ws["A4"].font.bold
    assert ws["A5"].font.bold and ws["A5"].alignment.wrap_text
    assert ws.freeze_panes == "A7"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.column_dimensions["B"].width == 34
    assert {"F1:I1", "F2:I2", "A3:I3", "A4:I4", "A7:I7"} <= {str(r) for r in ws.merged_cells.ranges}


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
    assert data["title"] == "Мониторинг реализации задач и индикаторов Целей устойчивого развития"
    assert data["subtitle"] == "город Алматы за 2024 год" and data["form_label"] == "Форма"
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


# ---- the Kazakh sheet -------------------------------------------------------------------------------------

# The same synthetic rows with Kazakh texts (names, bodies, sources, units, notes); numbers unchanged.
KK_TEXTS = [
    (
        "Кедейлік шегінен төмен өмір сүретін халықтың үлесі (синтетикалық)",
        "Жұмыспен қамтуды үйлестіру басқармасы",
        "ҚР СЖРА ҰСБ",
        "%",
        "Табыстың өсуі есебінен төмендеу",
    ),
    ("Нәресте өлімінің коэффициенті (синтетикалық)", "Денсаулық сақтау басқармасы", "ҚР ДСМ", "1000 туылғанға", ""),
    ("Жұмыссыздық деңгейі (синтетикалық)", "Жұмыспен қамту басқармасы", "ҚР СЖРА ҰСБ", "%", "Деректер құпия"),
    ("Ауыз суға қолжетімділік (синтетикалық)", "Энергетика және ТКШ басқармасы", "Әкімдік", "%", ""),
]
KK_ACTIVITIES = [
    (
        "Ауылдық округтер үшін ТДМ бойынша семинар өткізу (синтетикалық)",
        "Бастамашыл топ",
        "Аудан әкімдігінің есебі",
        "бірлік",
        "",
    ),
    (
        "Мектеп аулаларын көгалдандыру (синтетикалық)",
        "Бастамашыл топ",
        "Аудан әкімдігінің есебі",
        "ағаш",
        "Жұмыстар көктемде жалғасады",
    ),
]


def _kk_rows(rows: list[FormRow], texts: list[tuple[str, ...]]) -> list[FormRow]:
    return [
        replace(row, name=name, responsible=responsible, source=source, unit=unit, note=note)
        for row, (name, responsible, source, unit, note) in zip(rows, texts, strict=True)
    ]


def make_forms(status: str = "final", activities: bool = True) -> list[Appendix2Form]:
    ru = make_form(ACTIVITIES if activities else [], status=status)
    kk = replace(
        ru,
        language="kk",
        indicators=_kk_rows(INDICATORS, KK_TEXTS),
        activities=_kk_rows(ACTIVITIES, KK_ACTIVITIES) if activities else [],
        provenance_note="Тест үшін синтетикалық деректер; 2025-01-15 жүктелген",
    )
    return [ru, kk]


@pytest.fixture
def bilingual(tmp_path: Path):
    ru, kk = make_forms()
    path = write_appendix2([kk, ru], tmp_path / "both.xlsx")  # any order in, Russian sheet first out
    return path, openpyxl.load_workbook(path)


def test_both_sheets_russian_first(bilingual) -> None:
    path, workbook = bilingual
    assert workbook.sheetnames == ["Приложение 2", "2-қосымша"]
    assert read_appendix2(path)["language"] == "ru"
    assert read_appendix2(path, "2-қосымша")["language"] == "kk"
    assert read_appendix2(path, "kk")["sheet"] == "2-қосымша"
    with pytest.raises(ValueError, match="no sheet"):
        read_appendix2(path, "Лист1")


def test_kazakh_sheet_heading_headers_and_numbering(bilingual) -> None:
    _, workbook = bilingual
    ws = workbook["2-қосымша"]
    assert (
        ws["F1"].value
        == "Қазақстан Республикасы Ұлттық экономика министрінің 2024 жылғы 2 қазандағы № 236 бұйрығына 2-қосымша"
    )
    assert ws["F2"].value == "Нысан"
    assert ws["A3"].value == "Орнықты даму мақсаттарының міндеттері мен индикаторларының іске асырылуын мониторингтеу"
    assert ws["A4"].value == "Алматы қаласы, 2024 жыл"
    assert ws["A3"].font.bold
    headers = [ws.cell(row=5, column=c).value for c in range(1, 10)]
    kazakh = ["Р/с №", "Атауы", "Жауаптылар", "Ақпарат көзі", "Өлшем бірлігі", "Есепті жыл", "Жоспар", "Факт"]
    assert headers == list(APPENDIX2_COLUMNS_KK) == [*kazakh, "Қажет болған жағдайда түсіндірмелер"]
    assert ws["A5"].font.bold and ws["A5"].alignment.wrap_text and ws["A5"].fill.start_color.rgb.endswith("D9D9D9")
    numbering = [ws.cell(row=6, column=c).value for c in range(1, 10)]
    assert numbering == list(range(1, 10)) and all(type(v) is int for v in numbering)
    assert ws.freeze_panes == "A7" and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$5:$6"
    assert {"F1:I1", "F2:I2", "A3:I3", "A4:I4", "A7:I7"} <= {str(r) for r in ws.merged_cells.ranges}
    # every text of the Kazakh sheet is Kazakh: no Russian-only letter outside the row contents
    # (the label is compared whole above: Kazakh writes the loanword «экономика» with э)
    fixed = [ws["F2"].value] + [ws.cell(row=r, column=1).value for r in (3, 4, 7)] + headers
    assert not any(ch in "ЁЩЪЭ" for text in fixed for ch in text.upper())


def test_kazakh_sheet_rows_cell_by_cell(bilingual) -> None:
    _, workbook = bilingual
    ws, ru = workbook["2-қосымша"], workbook["Приложение 2"]
    assert ws["A7"].value == "Индикаторлар" and ws["A7"].font.bold
    for offset, (row, texts) in enumerate(zip(INDICATORS, KK_TEXTS, strict=True)):
        r = 8 + offset
        name, responsible, source, unit, note = texts
        actual = tuple(ws.cell(row=r, column=c).value for c in range(1, 10))
        assert actual[:6] == (row.number, name, responsible, source, unit, 2024), f"row {r}"
        assert actual[8] == (note or None), f"row {r}"
        for col in (1, 6, 7, 8):  # number, year, plan, fact: identical to the Russian sheet
            assert ws.cell(row=r, column=col).value == ru.cell(row=r, column=col).value, f"row {r} col {col}"
            assert ws.cell(row=r, column=col).number_format == ru.cell(row=r, column=col).number_format
        assert ws.cell(row=r, column=2).alignment.wrap_text
        assert all(ws.cell(row=r, column=c).border.left.style == "thin" for c in range(1, 10))
    assert (ws["H8"].value, ws["H9"].value, ws["H10"].value, ws["H11"].value) == (4.3, 7.25, "x", None)
    assert (ws["G8"].value, ws["G11"].value) == (5.0, 100.0)
    header = find_row(ws, "Іс-шаралар*")
    assert header == find_row(ru, "Мероприятия*") == 12
    assert ws.cell(row=header, column=1).font.bold
    assert f"A{header}:I{header}" in {str(r) for r in ws.merged_cells.ranges}
    for offset, texts in enumerate(KK_ACTIVITIES, start=1):
        assert ws.cell(row=header + offset, column=2).value == texts[0]
        assert ws.cell(row=header + offset, column=5).value == texts[3]
        for col in (1, 6, 7, 8):
            assert ws.cell(row=header + offset, column=col).value == ru.cell(row=header + offset, column=col).value
    assert (ws.cell(row=header + 1, column=8).value, ws.cell(row=header + 2, column=8).value) == (3.0, 150.5)


def test_kazakh_sheet_footnote_provenance_and_status(bilingual) -> None:
    _, workbook = bilingual
    ws = workbook["2-қосымша"]
    header = find_row(ws, "Іс-шаралар*")
    assert all(ws.cell(row=header + 3, column=c).value is None for c in range(1, 10))  # blank row
    footnote = find_row(ws, ACTIVITIES_FOOTNOTE_KK)
    assert footnote == header + 4
    assert ACTIVITIES_FOOTNOTE_KK == (
        "* «Іс-шаралар» блогын ауданда (қалада) индикаторлар болмаған жағдайда бастамашыл топ толтырады."
    )
    assert ws.cell(row=footnote, column=1).font.italic
    assert ws.cell(row=footnote + 1, column=1).value.startswith("Тест үшін синтетикалық деректер")
    assert ws.cell(row=footnote + 2, column=1).value == "Мәртебесі: түпкілікті"
    assert ws.print_area == f"'2-қосымша'!$A$1:$I${footnote + 2}"


@pytest.mark.parametrize(
    ("status", "ru_text", "kk_text"),
    [
        ("draft", "черновик", "жоба"),
        ("final", "окончательный", "түпкілікті"),
        ("amended", "с изменениями", "өзгерістермен"),
    ],
)
def test_kazakh_status_lines(tmp_path: Path, status: str, ru_text: str, kk_text: str) -> None:
    path = write_appendix2(make_forms(status=status), tmp_path / f"{status}.xlsx")
    ru, kk = read_appendix2(path), read_appendix2(path, "kk")
    assert (ru["status_text"], kk["status_text"]) == (f"Статус: {ru_text}", f"Мәртебесі: {kk_text}")
    assert ru["status"] == kk["status"] == status


def test_read_kazakh_sheet_round_trip(bilingual) -> None:
    path, _ = bilingual
    ru, kk = read_appendix2(path, "ru"), read_appendix2(path, "2-қосымша")
    assert kk["headers"] == list(APPENDIX2_COLUMNS_KK) and ru["headers"] == list(APPENDIX2_COLUMNS_RU)
    assert kk["numbering"] == ru["numbering"] == list(range(1, 10))
    assert kk["title"].startswith("Орнықты даму мақсаттарының") and kk["subtitle"] == "Алматы қаласы, 2024 жыл"
    assert kk["footnote"] == ACTIVITIES_FOOTNOTE_KK and ru["footnote"] == ACTIVITIES_FOOTNOTE_RU
    for block in ("indicators", "activities"):
        assert len(kk[block]) == len(ru[block])
        for kk_row, ru_row in zip(kk[block], ru[block], strict=True):
            assert (kk_row[0], *kk_row[5:8]) == (ru_row[0], *ru_row[5:8])  # number, year, plan, fact
    assert [row[1] for row in kk["activities"]] == [a[0] for a in KK_ACTIVITIES]


def test_kazakh_sheet_without_activities_has_one_empty_row(tmp_path: Path) -> None:
    path = write_appendix2(make_forms(status="draft", activities=False), tmp_path / "empty.xlsx")
    ws = openpyxl.load_workbook(path)["2-қосымша"]
    header = find_row(ws, "Іс-шаралар*")
    assert all(ws.cell(row=header + 1, column=c).value is None for c in range(1, 10))
    assert ws.cell(row=header + 1, column=1).border.bottom.style == "thin"
    assert find_row(ws, ACTIVITIES_FOOTNOTE_KK) == header + 3
    assert read_appendix2(path, "kk")["activities"] == []


def test_sheets_of_one_workbook_must_agree(tmp_path: Path) -> None:
    ru, kk = make_forms()
    for bad in (
        [ru, ru],
        [ru, replace(kk, year=2023)],
        [ru, replace(kk, kato_code="710000000")],
        [ru, replace(kk, status="draft")],
        [],
    ):
        with pytest.raises(ValueError):
            write_appendix2(bad, tmp_path / "bad.xlsx")
    with pytest.raises(ValueError, match="unknown form language"):
        replace(ru, language="en")
    assert list(tmp_path.iterdir()) == []
