"""The password-reset e-mail. From the forgotten-password form it is prepared and sent
after the answer has gone (``app.background``), so that the answer takes as long whether
or not the address has an account."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from .. import mail
from ..extensions import db
from ..models import User
from ..services.people import password_resets
from ..urls import external_url


def reset_message(user: User, raw: str) -> tuple[str, str]:
    """Subject and body of the message carrying the reset link ``raw``."""
    return mail.compose(
        "password_reset",
        user.locale,
        user=user,
        link=external_url("auth.reset_password", token=raw),
        hours=current_app.config["RESET_HOURS"],
    )


def reset_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["RESET_HOURS"])


def send_reset_link(email: str, ip: str) -> None:
    """Everything the forgotten-password form asks for, in the background: look the
    address up, issue the link (voiding older ones), audit, commit, send."""
    result = password_resets.request_password_reset(
        db.session, email, lifetime=reset_lifetime(), ip=ip
    )
    db.session.commit()
    if result is not None:
        user, raw = result
        mail.send_mail(user.email, *reset_message(user, raw))
