"""Plain-text e-mail over SMTP; without a mail server, messages are logged instead.

``send_mail`` is the one function every message goes through (so that a transactional
outbox can take its place). It never raises: it returns True when the SMTP server took
the message and False otherwise (mail not configured, or the server failed), so the
caller can show the link to the person who asked for it instead. Links in messages are
built with ``app.urls.external_url`` (on PUBLIC_URL), never from the request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger("tympanum.mail")

SMTP_TIMEOUT_SECONDS = 20


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def compose(template: str, locale: str | None, **context: Any) -> tuple[str, str]:
    """Render ``templates/mail/<template>.txt`` in ``locale``: (subject, body).

    The template's first line is ``Subject: ...``; the rest, after one blank line, is the body.
    """
    languages = current_app.config["LANGUAGES"]
    with force_locale(locale if locale in languages else "en"):
        text = render_template(f"mail/{template}.txt", **context)
    head, _, body = text.lstrip().partition("\n")
    subject = head.removeprefix("Subject:").strip()
    return subject, body.strip() + "\n"


def build_message(config: Any, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    sender = config["MAIL_SENDER"]
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "tympanum.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; True if the SMTP server accepted it. To keep a page's
    answer time from depending on it, call it from ``app.background.later``."""
    return _send(current_app.config, to, subject, body)


def _send(config: Any, to: str, subject: str, body: str) -> bool:
    if not config.get("MAIL_SERVER"):
        log.warning("E-mail is not configured; message to %s not sent: %s\n%s", to, subject, body)
        return False
    message = build_message(config, to, subject, body)
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    try:
        smtp: smtplib.SMTP
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        log.error("Sending e-mail to %s via %s:%s failed: %s", to, host, port, error)
        return False
    log.info("E-mail sent to %s: %s", to, subject)
    return True
