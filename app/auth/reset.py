"""The password-reset link's lifetime. From the forgotten-password form the request only
writes one outbox row (``services/mailing/messages.request_reset``); the worker looks the
address up and writes the message, so that the answer takes as long whether or not the
address has an account."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app


def reset_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["RESET_HOURS"])
