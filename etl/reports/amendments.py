"""Amended versions: once a report is final, every later change is an amendment that lists its changed cells.

Why: a region's working group and the ministry's working body act on the final version they received. When
the warehouse later says something else (a revised observation, a corrected plan or activity), they must get a
new version that says exactly which cells changed, from what, to what and why, not a silent replacement and
never a draft. So each issued version keeps the cells it printed (``sdg.report.cells``); the next version of
a report that has a final one is always «с изменениями» / «өзгерістермен» (whatever status the run asked
for), and its changed cells, with the revised observations and snapshots behind a changed Fact, are stored in
``sdg.report_change`` and printed on a sheet of its own. Unchanged content issues nothing (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.exports.numbers import for_reader
from etl.reports.forms import Appendix2Form, FormRow

#: statuses a recipient acts on: once a report has one of these, it is never a draft again
OFFICIAL = ("final", "amended")
#: the form's columns a change can be in, and their index in the order's column headers
COLUMNS: dict[str, int] = {"name": 1, "responsible": 2, "source": 3, "unit": 4, "plan": 6, "fact": 7, "note": 8}

# the newest version of an official status: not sdg.latest_report (the newest of any status), which _NEWEST asks
_LATEST_OFFICIAL = """
SELECT report_id, version, status, path, created_at, cells, content_sha256 FROM sdg.report
WHERE kind = :kind AND kato_code IS NOT DISTINCT FROM :k AND year = :y AND status IN ('final', 'amended')
ORDER BY version DESC LIMIT 1
"""

_NEWEST = "SELECT version FROM sdg.latest_report WHERE kind = :kind AND kato_code IS NOT DISTINCT FROM :k AND year = :y"

_ROW_OBSERVATIONS = """
SELECT a.row_no, v.indicator_code, v.observation_ids, v.snapshot_ids
FROM sdg.appendix1_item AS a
JOIN sdg.indicator_value AS v ON v.indicator_code = a.indicator_code AND v.kato_code = a.kato_code AND v.year = :y
WHERE a.kato_code = :k
"""

_OBSERVATIONS = """
SELECT o.observation_id, o.snapshot_id, s.series_key, s.fetched_at
FROM sdg.observation AS o JOIN sdg.snapshot AS s USING (snapshot_id)
WHERE o.observation_id = ANY(:ids)
"""

_INSERT_CHANGE = """
INSERT INTO sdg.report_change (report_id, position, kato_code, block, row_no, indicator_code, column_name,
    row_name_ru, row_name_kk, old_ru, new_ru, old_kk, new_kk, reason_ru, reason_kk,
    old_observation_ids, new_observation_ids, new_snapshot_ids)
VALUES (:report_id, :position, :kato_code, :block, :row_no, :indicator_code, :column_name,
    :row_name_ru, :row_name_kk, :old_ru, :new_ru, :old_kk, :new_kk, :reason_ru, :reason_kk,
    :old_observation_ids, :new_observation_ids, :new_snapshot_ids)
"""

_CHANGES = "SELECT * FROM sdg.report_change WHERE report_id = :r ORDER BY position"

#: why a cell changed, by cause (Russian, Kazakh)
_REASONS: dict[str, tuple[str, str]] = {
    "plan": ("скорректирован план (sdg.plan_value)", "жоспар түзетілді (sdg.plan_value)"),
    "activity": ("скорректировано мероприятие (sdg.activity)", "іс-шара түзетілді (sdg.activity)"),
    "catalogue": ("изменена запись справочника (каталог)", "анықтамалық жазбасы өзгертілді (каталог)"),
    "note_follows": (
        "пояснение обновлено вслед за изменением строки",
        "түсіндірме жолдың өзгерісіне сәйкес жаңартылды",
    ),
    "note": ("пояснение изменено", "түсіндірме өзгертілді"),
    "recomputed": (
        "изменён расчёт индикатора (формула, единица или точность)",
        "индикатордың есептелуі өзгертілді (формула, өлшем бірлігі немесе дәлдік)",
    ),
    "added": ("строка добавлена в перечень (Приложение 1)", "жол тізбеге қосылды (1-қосымша)"),
    "removed": ("строка исключена из перечня (Приложение 1)", "жол тізбеден алынып тасталды (1-қосымша)"),
    "withdrawn": ("наблюдение больше не действует в хранилище", "бақылау қоймада енді қолданылмайды"),
}


class NothingToAmend(ValueError):
    """An amended version was asked for a report that has no final version yet."""


@dataclass(frozen=True)
class Change:
    """One changed cell of an amended version against the version it amends."""

    kato_code: str | None
    block: str
    row_no: str
    indicator_code: str | None
    column: str
    row_name_ru: str
    row_name_kk: str
    old_ru: str
    new_ru: str
    old_kk: str
    new_kk: str
    reason_ru: str = ""
    reason_kk: str = ""
    old_observation_ids: tuple[int, ...] = ()
    new_observation_ids: tuple[int, ...] = ()
    new_snapshot_ids: tuple[int, ...] = ()


# ------------------------------------------------------------------------------------------ issued cells


def shown(value: Decimal | None, fact_text: str, decimals: int) -> str:
    """A Plan or Fact as the form prints it (its decimals, half away from zero, decimal comma)."""
    return fact_text or "" if value is None else for_reader(value, decimals, thousands="")


def _row_cells(ru: FormRow, kk: FormRow) -> dict[str, dict[str, str]]:
    def pair(attribute: str) -> dict[str, str]:
        return {"ru": str(getattr(ru, attribute) or ""), "kk": str(getattr(kk, attribute) or "")}

    plan, fact = shown(ru.plan, "", ru.decimals), shown(ru.fact, ru.fact_text, ru.decimals)
    return {
        **{column: pair(column) for column in ("name", "responsible", "source", "unit", "note")},
        "plan": {"ru": plan, "kk": plan},
        "fact": {"ru": fact, "kk": fact},
    }


def _rows(
    kato: str, block: str, pairs: Iterable[tuple[FormRow, FormRow]], observations: dict[str, tuple]
) -> dict[str, dict]:
    rows = {}
    for ru, kk in pairs:
        code, obs, snaps = observations.get(ru.number, (None, [], [])) if block == "indicators" else (None, [], [])
        rows[f"{kato}|{block}|{ru.number}"] = {
            "code": code,
            "obs": list(obs or []),
            "snap": list(snaps or []),
            "cols": _row_cells(ru, kk),
        }
    return rows


def row_observations(conn: Connection, kato: str, year: int) -> dict[str, tuple]:
    """Row number of the region's list → (indicator code, observation ids, snapshot ids) of its Fact."""
    rows = conn.execute(text(_ROW_OBSERVATIONS), {"k": kato, "y": year})
    return {str(r.row_no): (r.indicator_code, r.observation_ids, r.snapshot_ids) for r in rows}


def form_cells(conn: Connection, forms: Sequence[Appendix2Form]) -> dict[str, dict]:
    """The cells of one region's issued form (both language sheets), with the observations behind each Fact."""
    ru, kk = (next(f for f in forms if f.language == lang) for lang in ("ru", "kk"))
    observations = row_observations(conn, ru.kato_code, ru.year)
    return {
        **_rows(ru.kato_code, "indicators", zip(ru.indicators, kk.indicators, strict=True), observations),
        **_rows(ru.kato_code, "activities", zip(ru.activities, kk.activities, strict=True), observations),
    }


def extract_cells(conn: Connection, extract: Any) -> dict[str, dict]:
    """The indicator cells of the national extract, region by region (the coverage sheet follows from them)."""
    cells: dict[str, dict] = {}
    for kato in dict.fromkeys(line.kato_code for line in extract.lines):
        pairs = [(line.ru, line.kk) for line in extract.lines if line.kato_code == kato]
        cells.update(_rows(kato, "indicators", pairs, row_observations(conn, kato, extract.year)))
    return cells


def facts_filled(rows: Iterable[FormRow]) -> int:
    """Indicator rows with a numeric Fact: 0 means the report says nothing."""
    return sum(1 for row in rows if row.fact is not None)


# ------------------------------------------------------------------------------------------ what to issue


def latest_official(conn: Connection, kind: str, kato_code: str | None, year: int) -> Any:
    """The newest final or amended version of one report, or None."""
    return conn.execute(text(_LATEST_OFFICIAL), {"kind": kind, "k": kato_code, "y": year}).one_or_none()


def status_to_issue(
    conn: Connection, kind: str, kato_code: str | None, year: int, requested: str, digest: Callable[[str], str]
) -> tuple[str, Any]:
    """The status the next version of this report gets, and the official version it would amend (or None).

    Before any final: the status asked for (an amendment of nothing is refused). After a final: the official
    status again when the content (``digest`` of it built with that status) is unchanged, so that nothing is
    issued; otherwise ``amended``, whatever was asked: a draft never follows a final.
    """
    official = latest_official(conn, kind, kato_code, year)
    if official is None:
        if requested == "amended":
            where = kato_code or "the national extract"
            raise NothingToAmend(f"{kind} {where} {year} has no final version to amend; issue it with --status final")
        return requested, None
    newest = conn.execute(text(_NEWEST), {"kind": kind, "k": kato_code, "y": year}).scalar_one()
    if newest == official.version and digest(official.status) == official.content_sha256:
        return official.status, official
    return "amended", official


# ------------------------------------------------------------------------------------------ the changes


def diff_cells(old: dict[str, dict] | None, new: dict[str, dict]) -> list[Change]:
    """Every cell whose printed text differs, rows in the new version's order then removed rows."""
    if old is None:
        return []
    changes = []
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key), new.get(key)
        kato, block, row_no = key.split("|", 2)
        row = after or before
        assert row is not None
        for column in COLUMNS:
            was = (before or {}).get("cols", {}).get(column, {"ru": "", "kk": ""})
            now = (after or {}).get("cols", {}).get(column, {"ru": "", "kk": ""})
            if was == now:
                continue
            changes.append(
                Change(
                    kato.strip() or None,
                    block,
                    row_no,
                    row.get("code"),
                    column,
                    row["cols"]["name"]["ru"],
                    row["cols"]["name"]["kk"],
                    was["ru"],
                    now["ru"],
                    was["kk"],
                    now["kk"],
                    old_observation_ids=tuple((before or {}).get("obs", [])),
                    new_observation_ids=tuple((after or {}).get("obs", [])),
                    new_snapshot_ids=tuple((after or {}).get("snap", [])),
                )
            )
    return changes


def explain(conn: Connection, changes: list[Change]) -> list[Change]:
    """Each change with its reason: the revised observations and snapshots behind a Fact, else its cause."""
    ids = {i for c in changes for i in (*c.old_observation_ids, *c.new_observation_ids)}
    found = {r.observation_id: r for r in conn.execute(text(_OBSERVATIONS), {"ids": sorted(ids)})} if ids else {}

    def rows(test: Callable[[Change], bool]) -> set[tuple]:
        return {(c.kato_code, c.block, c.row_no) for c in changes if test(c)}

    changed_rows = rows(lambda c: c.column in ("plan", "fact"))
    added = rows(lambda c: c.column == "name" and not (c.old_ru or c.old_kk))
    removed = rows(lambda c: c.column == "name" and not (c.new_ru or c.new_kk))
    explained = []
    for change in changes:
        key = (change.kato_code, change.block, change.row_no)
        if key in added or key in removed:
            ru, kk = _REASONS["added" if key in added else "removed"]
        else:
            ru, kk = _reason(change, found, key in changed_rows)
        explained.append(_with_reason(change, ru, kk))
    return explained


def _with_reason(change: Change, ru: str, kk: str) -> Change:
    return replace(change, reason_ru=ru, reason_kk=kk)


def _reason(change: Change, observations: dict, row_changed: bool) -> tuple[str, str]:
    if change.block == "activities":
        return _REASONS["activity"]
    if change.column == "fact":
        return _fact_reason(change, observations)
    if change.column == "plan":
        return _REASONS["plan"]
    if change.column == "note":
        return _REASONS["note_follows" if row_changed else "note"]
    return _REASONS["catalogue"]


def _fact_reason(change: Change, observations: dict) -> tuple[str, str]:
    old, new = set(change.old_observation_ids), set(change.new_observation_ids)
    if old == new:
        return _REASONS["recomputed"]
    added, gone = sorted(new - old), sorted(old - new)
    if not added:
        ru, kk = _REASONS["withdrawn"]
        listed = ", ".join(f"№ {i}" for i in gone)
        return f"{ru}: {listed}", f"{kk}: {listed}"
    ru_parts, kk_parts = [], []
    for i in added:
        o = observations.get(i)
        when = f"{o.fetched_at:%d.%m.%Y}" if o else "?"
        snap, series = (o.snapshot_id, o.series_key) if o else ("?", "?")
        ru_parts.append(f"наблюдение № {i} (снимок № {snap}, ряд {series}, получен {when})")
        kk_parts.append(f"№ {i} бақылау (№ {snap} көшірме, {series} қатары, {when} алынды)")
    replaced = ", ".join(
        f"№ {i} (снимок № {observations[i].snapshot_id})" if i in observations else f"№ {i}" for i in gone
    )
    replaced_kk = ", ".join(
        f"№ {i} (№ {observations[i].snapshot_id} көшірме)" if i in observations else f"№ {i}" for i in gone
    )
    ru = "пересмотр данных: " + "; ".join(ru_parts) + (f" заменило {replaced}" if gone else "")
    kk = "деректер қайта қаралды: " + "; ".join(kk_parts) + (f", {replaced_kk} орнына" if gone else "")
    return ru, kk


def record_changes(conn: Connection, report_id: int, changes: list[Change]) -> None:
    """Store the changed cells of the amended version ``report_id`` (in the order they are printed)."""
    for position, change in enumerate(changes, start=1):
        params = {k: v for k, v in change.__dict__.items() if k != "column"}
        for key in ("old_observation_ids", "new_observation_ids", "new_snapshot_ids"):
            params[key] = list(params[key])
        conn.execute(
            text(_INSERT_CHANGE), {**params, "report_id": report_id, "position": position, "column_name": change.column}
        )


def load_changes(conn: Connection, report_id: int) -> list[dict]:
    """The stored changed cells of one amended version, in order."""
    return [dict(r) for r in conn.execute(text(_CHANGES), {"r": report_id}).mappings()]
