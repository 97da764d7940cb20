"""Alert e-mails over plain ``smtplib``, configured from ``SDG_SMTP_*`` variables.

In Airflow the ``smtp_default`` connection is copied into these variables by
``plugins/sdg_airflow/connections.py``. With no host configured the alert is logged and reported as not
sent: a missing mail server must never stop a quarantine or a load. The password is never logged.
"""

from __future__ import annotations

import logging
import mimetypes
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from etl import config

log = logging.getLogger(__name__)
#: not in every system's mime.types
_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str
    recipients: tuple[str, ...]

    @classmethod
    def from_env(cls) -> SmtpSettings:
        """The settings in effect (see ``etl.config``: ``SDG_SMTP_*``, ``SDG_ALERT_FROM``, ``SDG_ALERT_RECIPIENTS``)."""
        return cls(
            host=config.smtp_host(),
            port=config.smtp_port(),
            user=config.smtp_user(),
            password=config.smtp_password(),
            starttls=config.smtp_starttls(),
            sender=config.alert_from(),
            recipients=config.alert_recipients(),
        )


@dataclass(frozen=True)
class AlertResult:
    sent: bool
    recipients: tuple[str, ...]
    detail: str


def send_alert(subject: str, body: str, settings: SmtpSettings | None = None) -> AlertResult:
    """Send one plain-text e-mail to the alert recipients; any failure is logged and returned, never raised."""
    settings = settings or SmtpSettings.from_env()
    if settings.host and not settings.recipients:
        log.warning("alert not sent (SDG_ALERT_RECIPIENTS not configured): %s", subject)
        return AlertResult(False, settings.recipients, "SDG_ALERT_RECIPIENTS not configured")
    return send_mail(subject, body, settings.recipients, settings=settings)


def send_mail(
    subject: str,
    body: str,
    recipients: tuple[str, ...],
    settings: SmtpSettings | None = None,
    attachments: tuple[Path, ...] = (),
) -> AlertResult:
    """Send one plain-text e-mail with files attached; any failure is logged and returned, never raised."""
    settings = settings or SmtpSettings.from_env()
    if not settings.host:
        log.warning("e-mail not sent (SDG_SMTP_HOST not configured): %s", subject)
        return AlertResult(False, recipients, "SDG_SMTP_HOST not configured")
    message = EmailMessage()
    message["Subject"], message["From"] = subject, settings.sender
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    for path in attachments:
        kind = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else None  # issued text files are UTF-8
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name, params=params)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        if settings.password:
            detail = detail.replace(settings.password, "***")
        log.warning("e-mail not sent via %s:%s: %s", settings.host, settings.port, detail)
        return AlertResult(False, recipients, detail[:500])
    log.info("e-mail sent to %d recipient(s): %s", len(recipients), subject)
    return AlertResult(True, recipients, f"sent via {settings.host}:{settings.port}")
