"""The order's deadlines and how ready the reports are for them; an e-mail when one comes close.

Regional Appendix 2 forms are due by 15 January and the national extract by 1 February of the year after
the reporting year. A report is ready when its newest version is final (or amended), still says what the
warehouse says (not stale: a revision after the final needs an amended version) and has been sent to every
recipient the catalogue names for it. From ``warn_days`` before a deadline, every day that finds a
report not ready sends one alert naming what is missing; after the deadline it says "overdue".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from etl.delivery.send import Recipient, load_recipients
from etl.reports.appendix2 import regions_for_year
from etl.reports.issuing import latest_report
from etl.reports.staleness import is_current
from etl.runtime.mail import AlertResult, SmtpSettings, send_alert

#: (kind, month, day of the following year, Russian name, Kazakh name)
DEADLINES = (
    ("appendix2", 1, 15, "Приложение 2 (формы регионов)", "2-қосымша (өңірлердің нысандары)"),
    ("national_extract", 2, 1, "сводные данные для рабочего органа", "жұмыс органына арналған жиынтық деректер"),
)
WARN_DAYS = 7

_SENT_TO = "SELECT DISTINCT recipient FROM sdg.delivery WHERE report_id = :r AND status = 'sent'"


@dataclass(frozen=True)
class Gap:
    """One report not ready: which (region or the national extract) and why."""

    kind: str
    kato_code: str | None
    name: str
    problem: str


@dataclass
class DeadlineCheck:
    kind: str
    due: date
    days_left: int
    name_ru: str
    name_kk: str
    reports: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and bool(self.gaps)


def due_date(kind: str, year: int) -> date:
    month, day = next((m, d) for k, m, d, *_ in DEADLINES if k == kind)
    return date(year + 1, month, day)


def readiness(conn: Connection, year: int, today: date, recipients: list[Recipient]) -> list[DeadlineCheck]:
    """Every deadline of ``year`` with the reports that are not ready for it."""
    names: dict[str, str] = dict(conn.execute(text("SELECT kato_code, name_ru FROM sdg.region")).all())
    checks = []
    for kind, _, _, name_ru, name_kk in DEADLINES:
        due = due_date(kind, year)
        check = DeadlineCheck(kind, due, (due - today).days, name_ru, name_kk)
        targets = regions_for_year(conn, year) if kind == "appendix2" else [None]
        for kato in targets:
            check.reports += 1
            label = names.get(kato, kato) if kato else "Республика Казахстан (свод)"
            problem = _problem(conn, kind, kato, year, recipients)
            if problem:
                check.gaps.append(Gap(kind, kato, label, problem))
        checks.append(check)
    return checks


def _problem(conn: Connection, kind: str, kato: str | None, year: int, recipients: list[Recipient]) -> str | None:
    latest = latest_report(conn, kind, kato, year)
    if latest is None:
        return "не выпущен"
    if latest.facts_filled == 0:
        return f"версия {latest.version} без единого факта (не рассылается)"
    if latest.status == "draft":
        return f"только черновик (версия {latest.version})"
    if not is_current(conn, kind, kato, year, latest.status, latest.content_sha256):
        return (
            f"версия {latest.version} устарела: данные в хранилище изменились после выпуска "
            "(нужна версия с изменениями: sdg report issue)"
        )
    wanted = {r.address for r in recipients if r.wants(kind, kato)}
    sent = set(conn.execute(text(_SENT_TO), {"r": latest.report_id}).scalars())
    missing = sorted(wanted - sent)
    if missing:
        return f"версия {latest.version} не доставлена: {', '.join(missing)}"
    return None


def check_deadlines(
    engine: Engine,
    year: int,
    today: date | None = None,
    warn_days: int = WARN_DAYS,
    settings: SmtpSettings | None = None,
) -> tuple[list[DeadlineCheck], AlertResult | None]:
    """Readiness for every deadline; one alert e-mail when a deadline within ``warn_days`` (or past) has gaps."""
    today = today or date.today()
    with engine.connect() as conn:
        checks = readiness(conn, year, today, load_recipients())
    pressing = [c for c in checks if c.gaps and c.days_left <= warn_days]
    if not pressing:
        return checks, None
    return checks, send_alert(*alert_text(pressing, year), settings=settings)


def alert_text(checks: list[DeadlineCheck], year: int) -> tuple[str, str]:
    """Subject and body (Russian, with a Kazakh summary line per deadline)."""
    parts = []
    for c in checks:
        when = f"просрочено на {-c.days_left} дн." if c.days_left < 0 else f"осталось {c.days_left} дн."
        parts.append(f"{c.name_ru}: срок {c.due:%d.%m.%Y}, {when}, не готово {len(c.gaps)} из {c.reports}")
    subject = f"[SDG сроки] отчетность за {year} год: " + "; ".join(parts)
    lines = [f"Отчетность за {year} год (приказ № 236). Не готово к сроку:", ""]
    for c in checks:
        lines.append(f"{c.name_ru} / {c.name_kk}: срок {c.due:%d.%m.%Y} ({c.days_left} дн. / күн)")
        lines += [f"  - {gap.name}: {gap.problem}" for gap in c.gaps]
        lines.append("")
    lines.append("Готово: последняя версия окончательная и доставлена всем адресатам из catalogue/recipients.csv.")
    lines.append("Дайын: соңғы нұсқа түпкілікті және catalogue/recipients.csv барлық алушыларына жеткізілген.")
    return subject, "\n".join(lines) + "\n"
