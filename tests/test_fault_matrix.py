"""A fault matrix over every source: each fault ends retried-and-loaded or isolated with a named error.

For every (source, fault) a batch of two or three declared series of one source is ingested through
``jobs.ingest_batch`` into a fresh warehouse; one series' answer is broken, the others are the bundled samples.
Each case asserts the broken series' outcome (``loaded`` after a retry, or ``failed`` with an error naming the
source, the URL or file and, for a bad value, the row and field; ``retryable`` as it should be), that every
other series loaded exactly the rows a clean run loads (module fixture ``reference``), that the broken series
has no row in ``sdg.observation`` (its raw answer kept byte for byte in ``sdg.snapshot`` with ``load_error``
when one arrived), and that nothing else is in the warehouse (no other rows, no quarantine). A last test runs
the real ``sdg`` command over a mixed bad corpus: no traceback, one line per failed series, exit code 1.

The faults are made from the bundled SYNTHETIC samples (``samples/<source>``), so they are in the real formats
(Taldau ``GetIndexData`` JSON, UN SDG API pages, SDMX-JSON and SDMX-CSV 2.0, Open SDG indicator CSV, the files
template as CSV), served over HTTP by a real local server (``fault_servers.FaultServer``) or, for files,
written into a temporary inbox.

Outcomes: L = retried and loaded (the server played the fault once, the retry got the answer); F = failed,
retryable; f = failed, not retryable (the same bytes fail the same way); W = loaded without the bad row, a
``short_row`` parse warning stored; M = loaded, the value stored as missing; H = loaded but the row (and a
neighbour whose change it spoils) held back in quarantine by the quality gate (status ``partial``);
- = does not apply.

======================== ====== ======= ==== ==== ======== =====
fault                    taldau opensdg unsd sdmx sdmx-csv files
======================== ====== ======= ==== ==== ======== =====
500, 429 (Retry-After 1) L      L       L    L    -        -
once; timeout once;
body cut off once
500; 429 Retry-After 30; F      F       F    F    -        -
timeout; trickle; cut
truncated body           f      f       f    f    f        f
HTML page                f      f       f    f    -        f
wrong shape              f      f       f    f    -        f
cp1251; UTF-16           f      f       f    f    -        f
NUL in a value           f      f       f    f    -        f
Infinity; 1e400          f      f       f    f    -        f
1e-20000                 f      f       f    f    -        f
1e-20000 as JSON number  f      -       f    -    -        -
NaN                      f      f       M    M    -        f
1e300                    H      H       H    H    -        H
wide row (45,5)          -      f       -    -    f        f
short row                -      W       -    -    f        f
======================== ====== ======= ==== ==== ======== =====

Why a case does not apply, or differs:

- files are read from a folder, not over HTTP: no status, timeout or trickle; a CSV with a NUL anywhere is
  refused as a whole (binary, not text), so that error names the file but not a row.
- sdmx-csv is the SDMX-CSV series of the same flow, fetched by the same client and decoded by the same
  checks as sdmx (whose faulty series is the SDMX-JSON one); only what is particular to CSV is repeated.
- wide and short rows exist only in CSV answers; JSON and XML have no cells to misalign.
- JSON numbers: Taldau and the UN API publish values as JSON text, so a number literal is a separate case;
  SDMX-JSON values are numbers already (every sdmx value fault is one).
- NaN is the UN API's and SDMX's own spelling of "no value": stored as missing, not refused.
- 1e300 is finite and fits ``numeric``: it is not refused by the parser; no percent can be it, so the gate
  holds the row back.
- Open SDG skips a short row with a stored warning by design (real files have such rows; which cell is missing
  cannot be known); the files template and SDMX-CSV refuse the answer.

The faulty series: Taldau index 704460 (its ``GetIndexData``), Open SDG ``indicator_9-2-1.csv``, page 2 of
the UN series ``SI_POV_NAHC`` (page 1 arrived and is kept), the SDMX-JSON (or SDMX-CSV) series of the flow,
the education department's CSV (next to the health department's XLSX). Data Docs rendering is stubbed out in
the matrix (it is per run, not per series, and costs a second); the command-line test renders them for real.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_servers import HTML_PAGE, FaultServer
from sqlalchemy import text

from etl import config, jobs
from etl.sources.opensdg.client import OpenSdgClient
from etl.sources.sdmx.client import SdmxClient
from etl.sources.taldau.client import TaldauClient
from etl.sources.unsd.client import UnsdClient
from etl.warehouse.admin import database_url, run_admin
from etl.warehouse.connection import dispose_all, get_engine

SAMPLES = config.SAMPLES_DIR
SDG = Path(sys.executable).parent / "sdg"
#: (connect, read) seconds: a read timeout well inside the request deadline, so a stalled try is retried
TIMEOUT = (2.0, 1.0)
REQUEST_DEADLINE, SERIES_DEADLINE = "2", "6"


# --- the sources ------------------------------------------------------------------------------------------


def _json_value(body: bytes, literal: str) -> bytes:
    """Taldau and UN pages: the first ``"value": "..."`` replaced by a JSON literal."""
    new = b'"value": ' + literal.encode("utf-8")
    found = re.subn(rb'"value":\s*"[^"]*"', lambda _match: new, body, count=1)
    assert found[1] == 1, "no value to replace"
    return found[0]


def _sdmx_json_value(body: bytes, literal: str) -> bytes:
    """SDMX-JSON: the first observation's value (a JSON number in the samples) replaced."""
    pattern = rb'("observations":\s*\{\s*"\d+":\s*\[\s*)(-?[0-9.eE+]+|null)'
    found = re.subn(pattern, lambda match: match.group(1) + literal.encode("utf-8"), body, count=1)
    assert found[1] == 1, "no observation value to replace"
    return found[0]


def _csv_line(body: bytes, change: Callable[[str], str], line: int = 2) -> bytes:
    """One line (1-based, the header is 1) of a UTF-8 CSV changed as text."""
    lines = body.decode("utf-8").split("\n")
    lines[line - 1] = change(lines[line - 1].rstrip("\r")) + ("\r" if lines[line - 1].endswith("\r") else "")
    return "\n".join(lines).encode("utf-8")


def _cell(delimiter: str, column: int, value: str) -> Callable[[str], str]:
    def change(line: str) -> str:
        cells = line.split(delimiter)
        cells[column] = value
        return delimiter.join(cells)

    return change


def _cut_inside_a_line(body: bytes) -> bytes:
    """A CSV cut in transfer: five characters into the line that starts nearest the middle."""
    middle = body.index(b"\n", len(body) // 2) + 1
    return body[: middle + 5]


def _half(body: bytes) -> bytes:
    return body[: len(body) // 2]


@dataclass(frozen=True)
class Setup:
    """One source's batch: ``keys[0]`` is the faulty series; ``rule`` is only in its request (or its file name)."""

    source: str
    keys: tuple[str, ...]
    rule: str
    sample: Path
    #: the answer with its first value replaced (text, or a JSON literal where ``literal`` is True)
    value: Callable[[bytes, str, bool], bytes]
    #: how an error names the row and field of a bad value
    where: str
    #: the error's words for each fault that is not about one value
    says: dict[str, str] = field(default_factory=dict)
    truncate: Callable[[bytes], bytes] = _half
    http: bool = True


def _text_json(body: bytes, value: str, literal: bool) -> bytes:
    return _json_value(body, value if literal else json.dumps(value, ensure_ascii=False))


def _number_json(body: bytes, value: str, literal: bool) -> bytes:
    numeric = literal or re.fullmatch(r"-?(Infinity|NaN|[0-9.]+([eE][-+]?\d+)?)", value)
    return _sdmx_json_value(body, value if numeric else json.dumps(value, ensure_ascii=False))


def _opensdg_value(body: bytes, value: str, literal: bool) -> bytes:
    return _csv_line(body, lambda line: line.rpartition(",")[0] + "," + value)


def _files_value(body: bytes, value: str, literal: bool) -> bytes:
    return _csv_line(body, _cell(";", 4, value))


def _sdmx_csv_value(body: bytes, value: str, literal: bool) -> bytes:
    return _csv_line(body, _cell(",", 11, value))


NOT_UTF8 = "not UTF-8"
SETUPS: dict[str, Setup] = {
    "taldau": Setup(
        "taldau",
        ("taldau:704460:p7", "taldau:703851:p7"),
        "GetIndexData/704460",
        SAMPLES / "taldau/GetIndexData/704460-p7-d67.json",
        _text_json,
        "row 0 (KATO 000000000), period 0 (date '31.12.2015'), field 'value'",
        {
            "truncated": "invalid or truncated JSON",
            "html": "answered an HTML page instead of JSON",
            "shape": "expected a JSON list of term rows, got dict",
            "cp1251": NOT_UTF8,
            "utf16": NOT_UTF8,
        },
    ),
    "opensdg": Setup(
        "opensdg",
        ("opensdg:9-2-1", "opensdg:1-2-1", "opensdg:3-2-1"),
        "indicator_9-2-1.csv",
        SAMPLES / "opensdg/data/indicator_9-2-1.csv",
        _opensdg_value,
        "line 2, column Value",
        {
            "truncated": "truncated body: last line",
            "html": "answered an HTML page instead of CSV",
            "shape": "header lacks the 'Year' column",
            "cp1251": NOT_UTF8,
            "utf16": NOT_UTF8,
            "wide": "line 2: 5 cells under a header of 4 columns",
        },
        truncate=_cut_inside_a_line,
    ),
    "unsd": Setup(
        "unsd",
        ("unsd:SI_POV_NAHC:398", "unsd:SL_TLF_UEM:398"),
        "seriesCode=SI_POV_NAHC&areaCode=398&page=2&",
        SAMPLES / "unsd/v1/sdg/Series/Data/SI_POV_NAHC-a398-p2-s20.json",
        _text_json,
        "page 2 row 0 (area 398, period 2019-01-01..2019-12-31, dims URBANISATION=R), field 'value'",
        {
            "truncated": "page 2 of 2: invalid or truncated JSON",
            "html": "page 2 of 2: answered an HTML page",
            "shape": "page 2 of 2: expected a JSON object with paging fields, got list",
            "cp1251": "page 2 of 2: answer is not UTF-8",
            "utf16": "page 2 of 2: answer is not UTF-8",
        },
    ),
    "sdmx": Setup(
        "sdmx",
        ("sdmx:DF_SDG_KZ:SI_POV_NAHC:json", "sdmx:DF_SDG_KZ:SI_POV_NAHC:ml"),
        "format=sdmx-json",
        SAMPLES / "sdmx/data/DF_SDG_KZ/A.N.SI_POV_NAHC.....json",
        _number_json,
        "observation 0 {",
        {
            "truncated": "invalid or truncated JSON",
            "html": "answered an HTML page instead of SDMX",
            "shape": "not an SDMX-JSON data message",
            "cp1251": NOT_UTF8,
            "utf16": NOT_UTF8,
        },
    ),
    "sdmx-csv": Setup(
        "sdmx",
        ("sdmx:DF_SDG_KZ:SI_POV_NAHC:csv", "sdmx:DF_SDG_KZ:SI_POV_NAHC:ml"),
        "format=sdmx-csv",
        SAMPLES / "sdmx/data/DF_SDG_KZ/A.N.SI_POV_NAHC.....csv",
        _sdmx_csv_value,
        "",
        {
            "truncated": "truncated or malformed CSV",
            "wide": "line 2 has 17 fields, header 16",
            "short": "line 2 has 15 fields, header 16",
        },
        truncate=_cut_inside_a_line,
    ),
    "files": Setup(
        "files",
        ("files:education_dept", "files:health_dept"),
        "education_2024.csv",
        SAMPLES / "files/inbox/education_2024.csv",
        _files_value,
        "education_2024.csv, row 2, column «Значение»",
        {
            "truncated": "do not have the header's 9 cells",
            "html": "unknown column",
            "shape": "unknown column",
            "cp1251": "probably Windows-1251",
            "utf16": "file is UTF-16",
            "wide": "row 2 has 10 cells, beyond the header",
            "short": "row 2 has 8 cells, missing: «Примечание»",
            "nul": "education_2024.csv: contains NUL bytes",
        },
        truncate=_cut_inside_a_line,
        http=False,
    ),
}


# --- the faults -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """``outcome``: loaded (after a retry), failed, warned, missing or held; ``says``: words of the error."""

    outcome: str
    says: tuple[str, ...] = ()
    retryable: bool = False


@dataclass(frozen=True)
class Fault:
    sources: tuple[str, ...]
    #: the server's action for the faulty request (for files: a transform of the file's bytes)
    action: Callable[[Setup], object]
    expect: Callable[[Setup], Expect]


HTTP = ("taldau", "opensdg", "unsd", "sdmx")
#: each source once; sdmx-csv only where CSV differs from SDMX-JSON
EVERY_SOURCE = ("taldau", "opensdg", "unsd", "sdmx", "files")


def _transport(action: str, expect: Expect) -> Fault:
    return Fault(HTTP, lambda _setup: action, lambda _setup: expect)


def _content(transform: Callable[[Setup], Callable[[bytes], bytes]], sources=EVERY_SOURCE, say: str = "") -> Fault:
    return Fault(sources, transform, lambda setup: Expect("failed", (setup.says[say],) if say else ()))


def _bad_value(
    value: str, message: str, literal: bool = False, sources=EVERY_SOURCE, outcome=None, said: str = ""
) -> Fault:
    """A published value replaced by ``value``; the error names it (``message``) and where it was, unless the
    source refuses the whole answer first (``setup.says[said]``) or reads the value another way (``outcome``)."""

    def expect(setup: Setup) -> Expect:
        if outcome is not None and setup.source in outcome:
            return Expect(outcome[setup.source])
        if said in setup.says:
            return Expect("failed", (setup.says[said],))
        return Expect("failed", (message, setup.where))

    return Fault(sources, lambda setup: lambda body: setup.value(body, value, literal), expect)


def _encoded(encoding: str) -> Callable[[Setup], Callable[[bytes], bytes]]:
    def make(setup: Setup) -> Callable[[bytes], bytes]:
        if setup.source == "files":  # the report itself is Russian text
            return lambda body: body.decode("utf-8-sig").encode(encoding, errors="replace")  # Kazakh letters: ?
        return lambda body: setup.value(body, "нет данных", False).decode("utf-8-sig").encode(encoding, "replace")

    return make


def _shape(setup: Setup) -> Callable[[bytes], bytes]:
    """Valid in its format, another structure: what an API redesign or a wrong endpoint answers."""
    if setup.source == "unsd":
        return lambda body: json.dumps(json.loads(body)["data"]).encode()
    if setup.source in ("taldau", "sdmx"):
        return lambda body: json.dumps({"data": json.loads(body)}, ensure_ascii=False).encode()
    if setup.source == "opensdg":
        return lambda body: body.replace(b"Year,", b"TIME_PERIOD,", 1)
    return lambda _body: (SAMPLES / "opensdg/data/indicator_1-2-1.csv").read_bytes()  # files: another format


def _wide(setup: Setup) -> Callable[[bytes], bytes]:
    """A decimal comma in a comma-separated file: one cell too many."""
    if setup.source == "files":
        return _comma_separated_with_a_decimal_comma
    return lambda body: setup.value(body, "45,5", False)


def _comma_separated_with_a_decimal_comma(body: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)  # "94,4" is quoted: correct so far
    first = rows[1][4]
    return out.getvalue().replace(f'"{first}"', first, 1).encode("utf-8")


def _short(setup: Setup) -> Callable[[bytes], bytes]:
    """A data row that lost a cell."""
    if setup.source == "files":
        return lambda body: _csv_line(body, lambda line: line[: line.rindex(";")])
    return lambda body: _csv_line(body, lambda line: line.rpartition(",")[0])


CSV_SOURCES = ("opensdg", "sdmx-csv", "files")
FAULTS: dict[str, Fault] = {
    "500-once": _transport("500*1", Expect("loaded")),
    "429-once": _transport("429:1*1", Expect("loaded")),
    "timeout-once": _transport("sleep*1", Expect("loaded")),
    "cut-once": _transport("cut*1", Expect("loaded")),
    "500": _transport("500", Expect("failed", ("HTTP 500",), True)),
    "429-long": _transport("429:30", Expect("failed", ("HTTP 429 with Retry-After 30 s", "would overrun"), True)),
    "timeout": _transport("sleep", Expect("failed", ("within the request deadline of 2 s",), True)),
    "trickle": _transport("trickle", Expect("failed", ("answer incomplete", "request deadline of 2 s"), True)),
    "cut": _transport("cut", Expect("failed", ("ChunkedEncodingError on try 2", "would overrun"), True)),
    "truncated": _content(lambda setup: setup.truncate, (*EVERY_SOURCE, "sdmx-csv"), "truncated"),
    "html": _content(lambda _setup: lambda _body: HTML_PAGE, say="html"),
    "shape": _content(_shape, say="shape"),
    "cp1251": _content(_encoded("cp1251"), say="cp1251"),
    "utf16": _content(_encoded("utf-16"), say="utf16"),
    "nul": _bad_value("12\x00", "contains the control character U+0000", said="nul"),
    "infinity": _bad_value("Infinity", "'Infinity' is not a finite number"),
    "nan": _bad_value("NaN", "'NaN' is not a finite number", outcome={"unsd": "missing", "sdmx": "missing"}),
    "1e400": _bad_value("1e400", "'1e400' is not a finite number"),
    "1e-20000": _bad_value("1e-20000", "'1e-20000' is out of range"),
    "1e300": _bad_value("1e300", "", outcome=dict.fromkeys(EVERY_SOURCE, "held")),
    "1e-20000-number": _bad_value("1e-20000", "'1e-20000' is out of range", True, ("taldau", "unsd")),
    "wide": _content(_wide, ("opensdg", "sdmx-csv", "files"), "wide"),
    "short": Fault(
        CSV_SOURCES,
        _short,
        lambda setup: Expect("warned") if setup.source == "opensdg" else Expect("failed", (setup.says["short"],)),
    ),
}

MATRIX = [(source, fault) for fault, spec in FAULTS.items() for source in SETUPS if source in spec.sources]


# --- running a case ---------------------------------------------------------------------------------------


def _client(source: str, url: str) -> dict[str, object]:
    clients = {"taldau": TaldauClient, "opensdg": OpenSdgClient, "unsd": UnsdClient, "sdmx": SdmxClient}
    return {"client": clients[source](url, timeout=TIMEOUT)}


@contextmanager
def _serving(setup: Setup, action: object, folder: Path) -> Iterator[tuple[dict[str, object], FaultServer | None]]:
    """The batch's source options: a fault server for the HTTP sources, an inbox folder for files."""
    if not setup.http:
        inbox = folder / "inbox"
        shutil.copytree(SAMPLES / "files" / "inbox", inbox)
        if action is not None:
            path = inbox / setup.rule
            path.write_bytes(action(path.read_bytes()))
        yield {"inbox": inbox}, None
        return
    with FaultServer({setup.rule: action} if action is not None else {}) as server:
        yield _client(setup.source, server.url_for(setup.source)), server


ROWS = """
SELECT s.series_key, o.kato_code, o.period_start, o.period_end, o.frequency, o.dims, o.value, o.value_text,
       o.obs_status, o.unit
FROM sdg.observation o JOIN sdg.series s USING (series_id) WHERE o.valid_to IS NULL
"""


def _rows(engine) -> dict[str, Counter]:
    found: dict[str, Counter] = {}
    with engine.connect() as conn:
        for key, *rest in conn.execute(text(ROWS)):
            found.setdefault(key, Counter())[tuple(rest)] += 1
    return found


@pytest.fixture(scope="module")
def reference(pg_server_url: str, template_db: str, tmp_path_factory) -> dict[str, Counter]:
    """What a clean run loads for every series of the matrix (each source's samples, no fault)."""
    name = f"sdg_faultref_{os.getpid()}"
    run_admin(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = database_url(pg_server_url, name)
    folder = tmp_path_factory.mktemp("reference")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SDG_DATA_DIR", str(folder / "var"))
            patch.setenv("SDG_WAREHOUSE_URL", url)
            done: set[str] = set()
            for label, setup in SETUPS.items():
                keys = [key for key in setup.keys if key not in done]
                with _serving(setup, None, folder / label) as (options, _):
                    results = jobs.ingest_batch(keys, url=url, **options)
                assert [r["status"] for r in results] == ["loaded"] * len(keys), results
                done.update(keys)
            rows = _rows(get_engine(url))
            with get_engine(url).connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM sdg.quarantine")).scalar_one() == 0
    finally:
        dispose_all()
        run_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert all(rows.get(key) for setup in SETUPS.values() for key in setup.keys)
    return rows


@pytest.fixture
def deadlines(monkeypatch) -> None:
    """Short deadlines, and no Data Docs rendering at the end of each run.

    Rendering costs about a second per run and has nothing to do with faults (a failure there only warns);
    the command-line test below runs it for real.
    """
    from etl.quality import runner

    monkeypatch.setenv("SDG_REQUEST_DEADLINE", REQUEST_DEADLINE)
    monkeypatch.setenv("SDG_SERIES_DEADLINE", SERIES_DEADLINE)
    monkeypatch.setattr(runner, "build_data_docs", lambda out_dir=None: Path(os.devnull))


@pytest.mark.parametrize(("source", "fault"), MATRIX, ids=[f"{s}-{f}" for s, f in MATRIX])
def test_fault_is_retried_or_isolated(source, fault, engine, reference, deadlines, tmp_path):
    setup, spec = SETUPS[source], FAULTS[fault]
    expect = spec.expect(setup)
    action = spec.action(setup)
    with _serving(setup, action, tmp_path) as (options, server):
        results = jobs.ingest_batch(list(setup.keys), **options)

    by_key = {r["series_key"]: r for r in results}
    assert [r["series_key"] for r in results] == list(setup.keys)
    faulty, others = setup.keys[0], setup.keys[1:]
    for key in others:  # every other series of the batch loaded
        assert by_key[key]["status"] == "loaded", by_key[key]
    rows = _rows(engine)
    assert set(rows) <= set(setup.keys)  # nothing of any other series
    for key in others:  # ... exactly what a clean run loads
        assert rows[key] == reference[key], key
    with engine.connect() as conn:
        quarantined = conn.execute(text("SELECT series_key FROM sdg.quarantine")).scalars().all()
    assert set(quarantined) == ({faulty} if expect.outcome == "held" else set())
    _check_faulty(setup, expect, by_key[faulty], rows.get(faulty, Counter()), reference[faulty], server, engine)
    if expect.outcome == "failed" and callable(action):
        _check_kept(engine, faulty, action(setup.sample.read_bytes()), by_key[faulty]["error"])


def _check_faulty(setup, expect, result, rows, reference, server, engine) -> None:
    if expect.outcome == "failed":
        _check_failed(setup, expect, result, rows, engine)
    elif expect.outcome == "loaded":
        assert result["status"] == "loaded" and not result["error"], result
        assert rows == reference
        assert server.faults_played[setup.rule] == 1  # the fault was played, and a retry got the answer
        assert sum(setup.rule in path for path in server.requests) >= 2
    elif expect.outcome == "warned":
        assert result["status"] == "loaded" and result["parse_warnings"] == {"short_row": 1}, result
        assert not rows - reference and sum((reference - rows).values()) == 1  # only the short row is missing
    elif expect.outcome == "missing":
        assert result["status"] == "loaded", result
        changed = rows - reference
        (row,) = changed.elements()  # one row differs: its value is no value
        assert row[5] is None and row[7] == "missing" and sum(rows.values()) == sum(reference.values())
    else:
        assert expect.outcome == "held"
        assert result["status"] == "partial" and result["held_rows"] >= 1, result
        assert not rows - reference  # nothing but what a clean run loads: the huge value is held back
        assert sum((reference - rows).values()) == result["held_rows"]  # (with a neighbour its change is off)


def _check_failed(setup: Setup, expect: Expect, result: dict, rows: Counter, engine) -> None:
    error = result["error"] or ""
    assert result["status"] == "failed", result
    assert error.startswith(f"{setup.source}: ") and setup.rule in error, error  # source and URL / file
    for words in expect.says:
        assert words in error, (words, error)
    assert "Traceback" not in error
    assert result["retryable"] is expect.retryable, error
    assert not rows  # nothing of the failed series in sdg.observation
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT loaded_at, load_error FROM sdg.snapshot WHERE series_key = :k"), {"k": result["series_key"]}
        ).all()
    assert all(loaded is None and reason for loaded, reason in kept), kept  # every answer kept says why


def _check_kept(engine, series_key: str, body: bytes, error: str) -> None:
    """The broken answer itself is kept, byte for byte, with the reason it was refused."""
    digest = hashlib.sha256(body).hexdigest()
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT storage_path, load_error FROM sdg.snapshot WHERE series_key = :k AND sha256 = :d"),
            {"k": series_key, "d": digest},
        ).one()
    assert Path(kept.storage_path).read_bytes() == body
    assert error in kept.load_error


# --- the command line -------------------------------------------------------------------------------------

CLI_FAULTS = {
    "indicator_3-2-1.csv": "500",
    "indicator_5-5-2.csv": lambda body: _opensdg_value(body, "45,5", False),
    "indicator_9-2-1.csv": lambda body: _opensdg_value(body, "Infinity", False),
    "indicator_16-6-2-2.csv": lambda _body: HTML_PAGE,
}
CLI_KEYS = ["opensdg:1-2-1", "opensdg:3-2-1", "opensdg:5-5-2", "opensdg:9-2-1", "opensdg:16-6-2-2", "opensdg:1-1-1"]


def test_the_cli_names_each_failed_series_without_a_traceback(warehouse_url, tmp_path):
    """A night with one good series and five broken ones (500, decimal comma, Infinity, HTML page, no file)."""
    env = {
        **os.environ,
        "SDG_WAREHOUSE_URL": warehouse_url,
        "SDG_DATA_DIR": str(tmp_path / "var"),
        "SDG_REQUEST_DEADLINE": REQUEST_DEADLINE,
        "SDG_SERIES_DEADLINE": SERIES_DEADLINE,
    }
    with FaultServer(CLI_FAULTS) as server:
        env["SDG_OPENSDG_URL"] = server.url_for("opensdg")
        done = subprocess.run(
            [str(SDG), "ingest", "--source", "opensdg", "--series", *CLI_KEYS],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 1, output
    summary = [line for line in done.stdout.splitlines() if line.startswith("  FAILED ")]
    failed = CLI_KEYS[1:]
    assert sorted(line.split()[1].rstrip(":") for line in summary) == sorted(failed), done.stdout
    says = {
        "opensdg:3-2-1": "HTTP 500",
        "opensdg:5-5-2": "decimal comma",
        "opensdg:9-2-1": "'Infinity'",
        "opensdg:16-6-2-2": "HTML page",
        "opensdg:1-1-1": "HTTP 404",
    }
    for line in summary:
        key = line.split()[1].rstrip(":")
        assert says[key] in line, line
    assert "1 of 6 series ingested" in done.stdout, done.stdout
