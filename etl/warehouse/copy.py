"""Stream a DataFrame into PostgreSQL with ``COPY ... FROM STDIN`` (text format), chunk by chunk.

Why not ``DataFrame.to_csv`` into a buffer, then COPY: formatting a million rows that way costs about
three seconds, and the server waits until the whole buffer exists. Here each column is turned into text
once per distinct value (``pd.factorize``: regions, periods, units and statuses repeat thousands of
times), rows are joined in chunks, and the server parses one chunk while the next is being built, so
the two processes work at the same time (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

#: Rows per chunk handed to the server: big enough to amortise the join, small enough to overlap.
CHUNK_ROWS = 2_000
NULL = "\\N"
#: Kinds (``pd.api.types.infer_dtype``) whose equal values always print the same.
_FACTORIZE_KINDS = frozenset({"string", "empty", "integer", "date", "datetime", "datetime64", "boolean"})
_NUMERIC_KINDS = frozenset({"decimal", "floating", "mixed-integer-float"})
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_frame(conn: Connection, frame: pd.DataFrame, table: str, columns: Sequence[str]) -> int:
    """COPY ``frame[columns]`` into ``table`` in the caller's transaction; return the rows sent.

    Missing values (None, NaN, NaT) become SQL NULL; every other value is sent as ``str(value)``, which
    PostgreSQL reads back exactly for the types observations use (text, Decimal, int, date, ISO timestamps).
    """
    stream = _ChunkReader(_chunks(frame, columns))
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    # SQLAlchemy types the driver's connection as any DB-API one; psycopg2's cursor is a context manager
    with conn.connection.cursor() as cur:  # type: ignore[attr-defined]
        cur.copy_expert(sql, stream)
    return len(frame)


def column_text(values: pd.Series) -> np.ndarray:
    """COPY text of one column, value by value.

    Text, dates and integers are formatted once per distinct value and spread by their codes. Decimals
    and floats are formatted one by one: equal is not identical there (``Decimal("1.0") == Decimal("1.00")``)
    and the published scale must reach the warehouse as it came.
    """
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _FACTORIZE_KINDS:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        texts = [str(value).translate(_ESCAPES) for value in uniques]
        texts.append(NULL)  # code -1 (missing) picks the last entry
        return np.asarray(texts, dtype=object)[codes]
    raw = values.to_numpy(dtype=object)
    if kind in _NUMERIC_KINDS:  # digits, '.', '-', 'E': nothing to escape
        out = np.asarray(list(map(str, raw)), dtype=object)
    else:
        out = np.asarray([str(value).translate(_ESCAPES) for value in raw], dtype=object)
    out[pd.isna(raw)] = NULL
    return out


def _chunks(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[bytes]:
    """Chunk by chunk, formatting included: the server is busy with one chunk while the next is formatted."""
    selected = frame.loc[:, list(columns)]
    for start in range(0, len(selected), CHUNK_ROWS):
        part = selected.iloc[start : start + CHUNK_ROWS]
        rows = zip(*(column_text(part[column]) for column in columns), strict=True)
        yield ("\n".join(map("\t".join, rows)) + "\n").encode("utf-8")


class _ChunkReader:
    """The ``read()`` psycopg2's ``copy_expert`` pulls from: one pre-built chunk per call."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:  # noqa: ARG002 - psycopg2 sends whatever length we return
        return next(self._chunks, b"")

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)
