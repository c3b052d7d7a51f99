"""Plain-text e-mail over SMTP; without a mail server, messages are logged instead.

``compose`` renders a message in its recipient's language; pages and commands write it to
the outbox (``app/services/mailing/outbox.py``) in the transaction of the change that
causes it, and only the worker calls ``deliver``, which never raises: it says whether the
SMTP server took the message, and if not whether trying again could help. Links in
messages are built with ``app.urls.external_url`` (on PUBLIC_URL), never from the request.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app, render_template

from .i18n import in_language

log = logging.getLogger("tympanum.mail")

SMTP_TIMEOUT_SECONDS = 20


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def compose(template: str, locale: str | None, **context: Any) -> tuple[str, str]:
    """Render ``templates/mail/<template>.txt`` in ``locale``: (subject, body).

    The template's first line is ``Subject: ...``; the rest, after one blank line, is the body.
    """
    languages = current_app.config["LANGUAGES"]
    with in_language(locale if locale and locale in languages else "en"):
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


@dataclass(frozen=True)
class Delivery:
    """What became of one message: sent, logged (mail not configured), or an error with
    whether trying again could help (a 4xx or a network fault) or not (a 5xx refusal)."""

    sent: bool
    logged: bool = False
    error: str = ""
    permanent: bool = False


def deliver(config: Any, to: str, subject: str, body: str) -> Delivery:
    """Send one plain-text message over SMTP; never raises. Only the outbox worker
    (``app/worker.py``) calls it: pages and commands write to the outbox instead."""
    if not config.get("MAIL_SERVER"):
        log.warning("E-mail is not configured; message to %s not sent: %s\n%s", to, subject, body)
        return Delivery(sent=False, logged=True)
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
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in error.recipients.values())
        log.error("E-mail to %s refused by %s:%s: %s", to, host, port, text)
        return Delivery(sent=False, error=text, permanent=all(code >= 500 for code in codes))
    except smtplib.SMTPResponseException as error:
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
        log.error("Sending e-mail to %s via %s:%s failed: %s", to, host, port, text)
        return Delivery(sent=False, error=text, permanent=error.smtp_code >= 500)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
        text = f"{type(error).__name__}: {error}"
        log.error("Sending e-mail to %s via %s:%s failed: %s", to, host, port, text)
        return Delivery(sent=False, error=text)
    log.info("E-mail sent to %s: %s", to, subject)
    return Delivery(sent=True)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
