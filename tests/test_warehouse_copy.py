"""The streaming COPY writer sends every value so that PostgreSQL reads back exactly what the frame held.

Values are SYNTHETIC and chosen to break a naive writer: tabs, newlines, backslashes, empty text beside NULL,
Decimals of equal value but different scale, NaN and NaT, Kazakh letters, and more rows than one chunk.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from etl.warehouse import copy as copy_module
from etl.warehouse.copy import column_text, copy_frame

DDL = "CREATE TEMP TABLE copy_probe (n integer, label text, amount numeric, day date, at timestamptz, ratio float8)"
COLUMNS = ("n", "label", "amount", "day", "at", "ratio")


def probe_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": [1, 2, 3, 4, 5, 6],
            "label": ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "", None, "Қазақстан «x»"],
            "amount": [Decimal("1.00"), Decimal("1.0"), Decimal("-12345678901234567890.123"), None, Decimal("1E+3"), 0],
            "day": [date(1990, 1, 31), date(2025, 12, 31), None, date(2000, 2, 29), date(2000, 2, 29), None],
            "at": [
                datetime(2026, 1, 1, tzinfo=UTC),
                pd.NaT,
                pd.NaT,
                datetime(2026, 6, 30, 12, 5, tzinfo=UTC),
                None,
                None,
            ],
            "ratio": [0.1, float("nan"), 1e-05, -2.5, np.nan, 3.0],
        }
    )


def read_back(conn) -> list[tuple]:
    rows = conn.execute(text("SELECT n, label, amount::text, day, at, ratio FROM copy_probe ORDER BY n"))
    return [tuple(row) for row in rows]


def test_every_value_reads_back_exactly(engine) -> None:
    frame = probe_frame()
    with engine.begin() as conn:
        conn.execute(text(DDL))
        assert copy_frame(conn, frame, "copy_probe", COLUMNS) == 6
        rows = read_back(conn)
    assert [row[1] for row in rows] == ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "", None, "Қазақстан «x»"]
    # the scale each Decimal was published with survives (equal values are not merged)
    assert [row[2] for row in rows] == ["1.00", "1.0", "-12345678901234567890.123", None, "1000", "0"]
    assert [row[3] for row in rows] == [
        date(1990, 1, 31),
        date(2025, 12, 31),
        None,
        date(2000, 2, 29),
        date(2000, 2, 29),
        None,
    ]
    assert rows[0][4] == datetime(2026, 1, 1, tzinfo=UTC) and rows[1][4] is None
    assert rows[3][4] == datetime(2026, 6, 30, 12, 5, tzinfo=UTC)
    assert [row[5] for row in rows] == [0.1, None, 1e-05, -2.5, None, 3.0]


def test_many_chunks_keep_row_order_and_count(engine, monkeypatch) -> None:
    monkeypatch.setattr(copy_module, "CHUNK_ROWS", 7)
    frame = pd.DataFrame({"n": range(100), "label": [f"row {i}" for i in range(100)]})
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE copy_many (n integer, label text, seq serial)"))
        copy_frame(conn, frame, "copy_many", ("n", "label"))
        rows = conn.execute(text("SELECT n, label FROM copy_many ORDER BY seq")).all()
    assert [tuple(row) for row in rows] == [(i, f"row {i}") for i in range(100)]


def test_bad_value_fails_the_copy_and_names_the_column(engine) -> None:
    frame = pd.DataFrame({"n": [1, 2], "label": ["a", "b"], "day": ["2020-01-31", "31.01.2020x"]})
    with pytest.raises(Exception, match="copy_probe2") as caught, engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE copy_probe2 (n integer, label text, day date)"))
        copy_frame(conn, frame, "copy_probe2", ("n", "label", "day"))
    assert "day" in str(caught.value)


def test_column_text_formats_distinct_values_once_and_missing_as_null() -> None:
    texts = column_text(pd.Series(["a", None, "a", "b\tc"]))
    assert list(texts) == ["a", "\\N", "a", "b\\tc"]
    assert list(column_text(pd.Series([Decimal("2.50"), None, Decimal("2.5")]))) == ["2.50", "\\N", "2.5"]
