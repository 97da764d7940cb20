"""The words of order No. 236 (Minister of National Economy, 2 October 2024) that the issued forms print.

Why one module: the forms must carry the order's own wording, in Russian and in Kazakh, and a reader
compares them with the order, not with our paraphrase. Every fixed text the order prescribes lives here
(renderers import it, nothing retypes it), and ``tests/fixtures/order236_texts.json`` holds an independent
copy that a test compares cell by cell with issued workbooks, so an edit here that drifts from the order
fails a test instead of reaching a region.

Sources (the order's text on adilet.zan.kz was not available to this project; search of the stored public
pages found no copy, December 2026):

- the appendix labels, «Форма» / «Нысан» and the Appendix 2 title: issue 10 of this project, which quotes
  the order; the Kazakh forms follow the official pattern of Kazakh translations of ministerial orders
  («… министрінің 2024 жылғы 2 қазандағы № 236 бұйрығына 2-қосымша», «Нысан»);
- the Appendix 2 column headers and the activities footnote: the first catalogue of this project
  (foundation commit), transcribed from the order's form; not re-checked against adilet;
- the Appendix 1 title and the classification legend: the order's description of Appendix 1 as summarised
  in the project's target design (classification 1 = the «актуальные» indicators to be built into regional
  planning documents, 2 = indicators for monitoring, 3 = activities); wording ours where the order's exact
  sentence was not at hand.

Check these against the order's official text when it is at hand, and change this module and the JSON copy
together.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("ru", "kk")

_ORDER_RU = "к приказу Министра национальной экономики Республики Казахстан от 2 октября 2024 года № 236"
_ORDER_KK = "Қазақстан Республикасы Ұлттық экономика министрінің 2024 жылғы 2 қазандағы № 236 бұйрығына"

#: «Приложение N к приказу …» in the top right corner of each appendix's form
APPENDIX_LABEL: Final[dict[int, dict[str, str]]] = {
    1: {"ru": f"Приложение 1 {_ORDER_RU}", "kk": f"{_ORDER_KK} 1-қосымша"},
    2: {"ru": f"Приложение 2 {_ORDER_RU}", "kk": f"{_ORDER_KK} 2-қосымша"},
}

#: the word under the label that says the page is a prescribed form
FORM_LABEL: Final[dict[str, str]] = {"ru": "Форма", "kk": "Нысан"}

#: Appendix 2's title; the region and the reporting year follow on the next line
APPENDIX2_TITLE: Final[dict[str, str]] = {
    "ru": "Мониторинг реализации задач и индикаторов Целей устойчивого развития",
    "kk": "Орнықты даму мақсаттарының міндеттері мен индикаторларының іске асырылуын мониторингтеу",
}
#: the line under the title (``str.format`` with ``region`` and ``year``)
APPENDIX2_SUBTITLE: Final[dict[str, str]] = {"ru": "{region} за {year} год", "kk": "{region}, {year} жыл"}

#: Appendix 2's nine numbered columns, in the order's sequence
APPENDIX2_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "ru": (
        "№ п/п",
        "Наименование",
        "Ответственные",
        "Источник информации",
        "Единица измерения",
        "Отчетный год",
        "План",
        "Факт",
        "Пояснения при необходимости",
    ),
    "kk": (
        "Р/с №",
        "Атауы",
        "Жауаптылар",
        "Ақпарат көзі",
        "Өлшем бірлігі",
        "Есепті жыл",
        "Жоспар",
        "Факт",
        "Қажет болған жағдайда түсіндірмелер",
    ),
}

#: the two blocks of Appendix 2
INDICATORS_HEADER: Final[dict[str, str]] = {"ru": "Индикаторы", "kk": "Индикаторлар"}
ACTIVITIES_HEADER: Final[dict[str, str]] = {"ru": "Мероприятия*", "kk": "Іс-шаралар*"}

#: the footnote of the activities block
ACTIVITIES_FOOTNOTE: Final[dict[str, str]] = {
    "ru": "* Блок «Мероприятия» заполняется инициативной группой в случае отсутствия индикаторов в районе (городе).",
    "kk": "* «Іс-шаралар» блогын ауданда (қалада) индикаторлар болмаған жағдайда бастамашыл топ толтырады.",
}

#: Appendix 1's title; the region follows on the next line
APPENDIX1_TITLE: Final[dict[str, str]] = {
    "ru": "Перечень индикаторов Целей устойчивого развития",
    "kk": "Орнықты даму мақсаттары индикаторларының тізбесі",
}

#: Appendix 1's classifications as the column prints them, and the legend under the list that explains them
CLASSIFICATION: Final[dict[str, dict[int, str]]] = {
    "ru": {1: "1 – актуальный", 2: "2 – для мониторинга", 3: "3 – мероприятия"},
    "kk": {1: "1 – өзекті", 2: "2 – мониторинг үшін", 3: "3 – іс-шаралар"},
}
CLASSIFICATION_LEGEND: Final[dict[str, tuple[str, ...]]] = {
    "ru": (
        "Классификация:",
        "1 – актуальные индикаторы, подлежащие включению в документы регионального планирования;",
        "2 – индикаторы для мониторинга;",
        "3 – мероприятия.",
    ),
    "kk": (
        "Жіктеу:",
        "1 – өңірлік жоспарлау құжаттарына енгізілуге тиіс өзекті индикаторлар;",
        "2 – мониторинг үшін индикаторлар;",
        "3 – іс-шаралар.",
    ),
}


def order_words() -> dict[str, object]:
    """Every text above by name, JSON-ready (the shape of ``tests/fixtures/order236_texts.json``)."""
    return {
        "appendix_label": {str(k): v for k, v in APPENDIX_LABEL.items()},
        "form_label": FORM_LABEL,
        "appendix2_title": APPENDIX2_TITLE,
        "appendix2_subtitle": APPENDIX2_SUBTITLE,
        "appendix2_columns": {k: list(v) for k, v in APPENDIX2_COLUMNS.items()},
        "indicators_header": INDICATORS_HEADER,
        "activities_header": ACTIVITIES_HEADER,
        "activities_footnote": ACTIVITIES_FOOTNOTE,
        "appendix1_title": APPENDIX1_TITLE,
        "classification": {lang: {str(k): v for k, v in m.items()} for lang, m in CLASSIFICATION.items()},
        "classification_legend": {k: list(v) for k, v in CLASSIFICATION_LEGEND.items()},
    }
