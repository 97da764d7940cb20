"""Delivering issued reports to the recipients the catalogue names, once each, with every attempt logged.

Why here and not in the DAG: the same rules hold for ``sdg deliver`` and the reporting DAG. Reports go
only to the recipients of ``catalogue/recipients.csv`` (by report kind and region); the newest version of
each report is sent to each of its recipients once (``sdg.delivery`` remembers), so a re-run sends nothing
twice and a failed attempt is simply tried again. A file whose bytes no longer match the sha256 recorded
when it was issued is never sent.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl import config
from etl.catalogue.files import ALL_REGIONS, CatalogueError, read_rows
from etl.catalogue.model import load_regions
from etl.reports.appendix2_xlsx import TEXTS as FORM_TEXTS
from etl.runtime.mail import SmtpSettings, send_mail

KINDS = ("appendix2", "national_extract")
CHANNELS = ("email", "folder")

_LATEST = """
SELECT r.report_id, r.kind, r.kato_code, r.year, r.version, r.status, r.path,
       r.sha256, r.content_sha256, r.facts_filled, r.amends_report_id, g.name_ru, g.name_kk,
       a.version AS amends_version, a.created_at AS amends_created_at
FROM sdg.latest_report AS r LEFT JOIN sdg.region AS g USING (kato_code)
LEFT JOIN sdg.report AS a ON a.report_id = r.amends_report_id
WHERE r.year = :year AND r.kind = ANY(:kinds)
ORDER BY r.kind, r.kato_code
"""

_SENT = "SELECT recipient FROM sdg.delivery WHERE report_id = :r AND status = 'sent'"

# who holds an official (final or amended) version of the report: an amendment goes to each of them, a draft to none
_HOLDERS = """
SELECT DISTINCT ON (d.recipient) d.recipient, d.channel
FROM sdg.delivery AS d JOIN sdg.report AS r USING (report_id)
WHERE r.kind = :kind AND r.kato_code IS NOT DISTINCT FROM :k AND r.year = :y AND r.status IN ('final', 'amended')
  AND d.status = 'sent'
ORDER BY d.recipient, d.sent_at
"""

_COMPANIONS = """
SELECT path, sha256 FROM sdg.report_file WHERE report_id = :r AND format IN ('html', 'pdf')
ORDER BY path
"""

_LOG = """
INSERT INTO sdg.delivery (report_id, recipient, channel, status, detail)
VALUES (:r, :recipient, :channel, :status, :detail)
"""


@dataclass(frozen=True)
class Recipient:
    kind: str
    kato_code: str  # a KATO code, '*' for every region, '' for the national extract
    channel: str
    address: str
    name: str

    def wants(self, kind: str, kato_code: str | None) -> bool:
        return self.kind == kind and self.kato_code in (ALL_REGIONS, (kato_code or "").strip())


@dataclass
class DeliverySummary:
    sent: list[str] = field(default_factory=list)
    already: int = 0
    failed: list[str] = field(default_factory=list)
    #: e-mail recipients skipped because no SMTP server is configured
    not_configured: list[str] = field(default_factory=list)
    #: what was not sent on purpose, and why: an empty or stale report, a draft to a holder of a final
    withheld: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "sent": len(self.sent),
            "already_sent": self.already,
            "failed": self.failed,
            "not_configured": len(self.not_configured),
            "withheld": self.withheld,
        }


class DeliveryFailed(RuntimeError):
    """Some deliveries failed (each is logged in sdg.delivery with its reason); the others went out."""


def load_recipients(folder: Path | None = None) -> list[Recipient]:
    """``catalogue/recipients.csv``, checked cell by cell (errors name the line and column)."""
    known = {region.kato_code for region in load_regions(folder)}
    recipients = []
    for row in read_rows("recipients.csv", ("kind", "kato_code", "channel", "address", "name"), folder):
        kind, channel, address = row.text("kind"), row.text("channel"), row.text("address")
        if kind not in KINDS:
            raise CatalogueError(f"{row.where('kind')}: expected one of {', '.join(KINDS)}, got {kind!r}")
        if channel not in CHANNELS:
            raise CatalogueError(f"{row.where('channel')}: expected one of {', '.join(CHANNELS)}, got {channel!r}")
        if channel == "email" and ("@" not in address or any(c in address for c in " ,;<>")):
            raise CatalogueError(f"{row.where('address')}: not a single e-mail address: {address!r}")
        if channel == "folder" and ".." in PurePosixPath(address).parts:
            raise CatalogueError(f"{row.where('address')}: a folder may not climb out with '..': {address!r}")
        kato = row.text("kato_code", required=kind == "appendix2")
        if kato and kato != ALL_REGIONS and kato not in known:
            raise CatalogueError(f"{row.where('kato_code')}: {kato!r} is not a KATO code of regions.csv")
        recipients.append(Recipient(kind, kato, channel, address, row.text("name", required=False)))
    return recipients


def deliver_reports(
    engine: Engine,
    year: int,
    kinds: tuple[str, ...] = KINDS,
    recipients: list[Recipient] | None = None,
    settings: SmtpSettings | None = None,
) -> DeliverySummary:
    """Send the newest version of every issued report of ``year`` to each of its recipients not yet served.

    Never sent: a report without a single Fact, a report that no longer says what the warehouse says (issue
    the amendment first), a draft to anyone who holds a final of that report. An amended version also goes to
    everyone who received an earlier final or amended version, with a cover note listing the changed cells.
    """
    recipients = load_recipients() if recipients is None else recipients
    settings = settings or SmtpSettings.from_env()
    summary = DeliverySummary()
    with engine.connect() as conn:
        reports = conn.execute(text(_LATEST), {"year": year, "kinds": list(kinds)}).mappings().all()
    for report in reports:
        with engine.begin() as conn:
            why = _withheld(conn, report)
            if why:
                summary.withheld.append(f"{Path(report['path']).name}: {why}")
                continue
            _deliver_report(conn, report, recipients, settings, summary)
    return summary


def _withheld(conn: Connection, report) -> str | None:
    """Why this report is not sent to anyone (None: it may be)."""
    from etl.reports.staleness import is_current

    if report["facts_filled"] == 0:
        return "no Fact filled (issued with --allow-empty): never delivered"
    r = report
    if not is_current(conn, r["kind"], r["kato_code"], r["year"], r["status"], r["content_sha256"]):
        return (
            f"v{report['version']} no longer matches the warehouse: issue the amended version first (sdg report issue)"
        )
    return None


def _deliver_report(conn: Connection, report, recipients: list[Recipient], settings, summary) -> None:
    key = {"kind": report["kind"], "k": report["kato_code"], "y": report["year"]}
    holders = {row.recipient: row.channel for row in conn.execute(text(_HOLDERS), key)}
    targets = [r for r in recipients if r.wants(report["kind"], report["kato_code"])]
    if report["status"] == "amended":  # every holder of the final, even one the catalogue no longer names
        named = {r.address for r in targets}
        kato = (report["kato_code"] or "").strip()
        targets += [Recipient(report["kind"], kato, ch, a, "") for a, ch in holders.items() if a not in named]
    done = set(conn.execute(text(_SENT), {"r": report["report_id"]}).scalars())
    due: list[Recipient] = []
    for recipient in targets:
        if recipient.address in done:
            summary.already += 1
        elif report["status"] == "draft" and recipient.address in holders:
            summary.withheld.append(f"{Path(report['path']).name} → {recipient.address}: a draft after a final")
        else:
            due.append(recipient)
    if not due:
        return
    # what travels and whether it is intact, read once for all of the report's recipients
    files = [(Path(report["path"]), report["sha256"]), *_companions(conn, report["report_id"])]
    problem = next((p for p in (_file_problem(path, sha) for path, sha in files) if p), None)
    parcel = _Parcel([path for path, _ in files], problem, _changes(conn, report))
    for recipient in due:
        _deliver_one(conn, report, recipient, settings, summary, parcel)


@dataclass(frozen=True)
class _Parcel:
    """A report's files (the workbook first), the first problem with them if any, and an amendment's changes."""

    paths: list[Path]
    problem: str | None
    changes: list[dict]


def _changes(conn: Connection, report) -> list[dict]:
    from etl.reports.amendments import load_changes

    return load_changes(conn, report["report_id"]) if report["status"] == "amended" else []


def _deliver_one(
    conn: Connection, report, recipient: Recipient, settings: SmtpSettings, summary, parcel: _Parcel
) -> None:
    label = f"{Path(report['path']).name} → {recipient.address}"
    if recipient.channel == "email" and not settings.host:
        summary.not_configured.append(label)  # nothing attempted, nothing logged: the watchdog will see it
        return
    if parcel.problem is None:
        sent, detail = _send(report, recipient, parcel.paths, settings, parcel.changes)
    else:
        sent, detail = False, parcel.problem
    conn.execute(
        text(_LOG),
        {
            "r": report["report_id"],
            "recipient": recipient.address,
            "channel": recipient.channel,
            "status": "sent" if sent else "failed",
            "detail": detail,
        },
    )
    (summary.sent if sent else summary.failed).append(label if sent else f"{label}: {detail}")


def _file_problem(path: Path, sha256: str) -> str | None:
    if not path.is_file():
        return f"issued file {path} is missing"
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != sha256.strip():
        return f"issued file {path} changed since it was issued (sha256 {actual[:12]}…, recorded {sha256[:12]}…)"
    return None


def _companions(conn: Connection, report_id: int) -> list[tuple[Path, str]]:
    """Files that travel with a report: the overview pages and PDFs of a national extract (``overview_issue``)."""
    rows = conn.execute(text(_COMPANIONS), {"r": report_id})
    return [(Path(row.path), row.sha256) for row in rows]


def _send(
    report, recipient: Recipient, paths: list[Path], settings: SmtpSettings, changes: list[dict]
) -> tuple[bool, str]:
    if recipient.channel == "folder":
        return _copy(paths, recipient.address)
    subject, body = message_text(report, changes, [path.name for path in paths[1:]])
    result = send_mail(subject, body, (recipient.address,), settings=settings, attachments=tuple(paths))
    return result.sent, result.detail


def _copy(paths: list[Path], address: str) -> tuple[bool, str]:
    folder = Path(address) if Path(address).is_absolute() else config.data_dir() / address
    targets = [folder / path.name for path in paths]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, target in zip(paths, targets, strict=True):
            if target.exists() and target.read_bytes() != path.read_bytes():
                return False, f"{target} exists with other content; issued files are never overwritten"
        for path, target in zip(paths, targets, strict=True):
            if not target.exists():
                shutil.copy2(path, target)
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, "copied to " + ", ".join(str(target) for target in targets)


_KIND_TEXT = {
    "appendix2": (
        "Отчет о мониторинге индикаторов ЦУР (Приложение 2)",
        "ТДМ индикаторларының мониторингі туралы есеп (2-қосымша)",
    ),
    "national_extract": (
        "Сводные данные мониторинга ЦУР по регионам",
        "Өңірлер бойынша ТДМ мониторингінің жиынтық деректері",
    ),
}


def message_text(report, changes: list[dict] | None = None, companions: Sequence[str] = ()) -> tuple[str, str]:
    """Subject and body in Russian and Kazakh: what is attached, which version, and its sha256; an amended
    version opens with a cover note (which version it replaces, which cells changed: ``cover_note``); the files
    that travel with it (the overview of an extract) are named."""
    kind_ru, kind_kk = _KIND_TEXT[report["kind"]]
    status_ru, status_kk = (
        FORM_TEXTS[lang].status_text.get(report["status"], report["status"]) for lang in ("ru", "kk")
    )
    where_ru = f"{report['name_ru']}, " if report["name_ru"] else ""
    where_kk = f"{report['name_kk']}, " if report["name_kk"] else ""
    year, version, name = report["year"], report["version"], Path(report["path"]).name
    subject = f"{kind_ru}: {where_ru}{year} год, версия {version} ({status_ru})"
    cover = cover_note(report, changes or []) if report["status"] == "amended" else ""
    also_ru = f"Обзор по регионам (HTML и PDF) во вложении: {', '.join(companions)}\n" if companions else ""
    also_kk = f"Өңірлер бойынша шолу (HTML және PDF) қоса беріледі: {', '.join(companions)}\n" if companions else ""
    body = cover + (
        f"{kind_ru}: {where_ru}{year} год.\n"
        f"Версия {version}, статус: {status_ru}. Файл во вложении: {name}\n"
        f"Контрольная сумма SHA-256: {report['sha256']}\n{also_ru}\n"
        f"{kind_kk}: {where_kk}{year} жыл.\n"
        f"{version}-нұсқа, мәртебесі: {status_kk}. Файл қоса беріледі: {name}\n"
        f"SHA-256 бақылау сомасы: {report['sha256']}\n{also_kk}\n"
        "Письмо сформировано автоматически / Хат автоматты түрде жасалды.\n"
    )
    return subject, body


#: the cover note of an amended version: the changed cells are listed up to this many, the sheet has them all
COVER_LINES = 30


def cover_note(report, changes: list[dict]) -> str:
    """Russian and Kazakh: this version replaces version N of date D, these cells changed (old → new, why)."""
    from etl.reports.amendments_xlsx import column_label

    prev, when = report["amends_version"], f"{report['amends_created_at']:%d.%m.%Y}"
    version, count = report["version"], len(changes)
    parts = [
        f"Сопроводительное письмо. Направляем версию {version} с изменениями; она заменяет версию {prev} "
        f"от {when}. Изменено ячеек: {count} (полный перечень — на листе «Изменения» файла).",
    ]
    parts += [_change_line(c, "ru", column_label(c["column_name"], "ru")) for c in changes[:COVER_LINES]]
    parts.append("")
    parts.append(
        f"Ілеспе хат. {version}-нұсқа өзгерістермен жіберіледі; ол {when} күнгі {prev}-нұсқаның орнына. "
        f"Өзгертілген ұяшықтар: {count} (толық тізбе файлдың «Өзгерістер» парағында)."
    )
    parts += [_change_line(c, "kk", column_label(c["column_name"], "kk")) for c in changes[:COVER_LINES]]
    if count > COVER_LINES:
        parts.append(f"… и ещё {count - COVER_LINES} / тағы {count - COVER_LINES}")
    return "\n".join(parts) + "\n\n"


def _change_line(change: dict, language: str, column: str) -> str:
    where = f"{change['kato_code'].strip()} " if change["kato_code"] else ""
    old, new = change[f"old_{language}"] or "—", change[f"new_{language}"] or "—"
    name, why = change[f"row_name_{language}"], change[f"reason_{language}"]
    return f"  - {where}{change['row_no']} «{name}», {column}: {old} → {new} ({why})"
