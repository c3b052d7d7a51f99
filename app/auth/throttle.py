"""The login page's two limits, in the rate limiter's shared storage (Redis in production).

- Per client address (``LOGIN_RATE_LIMIT``): failed logins only, so the staff of a city
  hall behind one address are not locked out by their own successful logins. Counted
  after the password check (Flask-Limiter's ``deduct_when``), never cleared by a success.
- Per e-mail address typed (``LOGIN_ACCOUNT_LIMIT``): every attempt is counted before
  the password is checked, so parallel guesses from many addresses cannot slip through
  between a check and its count; a successful login clears the count
  (``app.services.people.login_locks``). When it is reached, the login page says so, with the
  time left and the way out (a password reset), for known and unknown addresses alike.

Behind a reverse proxy (``TRUSTED_PROXIES``), the client address is the one the proxy
set: ProxyFix takes it from the right end of X-Forwarded-For, whatever the client
prepended.
"""

from __future__ import annotations

import math
import time

from flask import Response, current_app, g, make_response, render_template, request
from flask_babel import ngettext
from flask_limiter import RequestLimit

from ..extensions import limiter
from ..services.people import login_locks
from .forms import LoginForm

_FAILED = "tympanum_login_failed"


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_LIMIT"]


def _typed_email() -> str:
    return request.form.get("email", "")


def _account_key() -> str:
    return login_locks.account_key(_typed_email())


def _checks_no_password() -> bool:
    """A post without an e-mail address or a password is refused by the form: no attempt."""
    return not (_typed_email().strip() and request.form.get("password"))


def _failed(_response: Response) -> bool:
    return bool(g.get(_FAILED))


def count_failure() -> None:
    """Count this request against its client address (after the response is made)."""
    setattr(g, _FAILED, True)


def clear_attempts(email: str) -> None:
    """After a successful login: the account's count starts again (the address's does not)."""
    login_locks.clear_quietly(email)


def give_back_attempt(email: str) -> None:
    """A login answered "busy" checked no password: its attempt is not counted."""
    login_locks.give_back(email)
    without_limit_headers()


def without_limit_headers() -> None:
    """This response carries no rate-limit headers: Flask-Limiter would otherwise replace
    its Retry-After (a busy answer's few seconds) by the end of a limit's window."""
    limiter.context.view_rate_limit = None


def lock_message(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts to log in with this e-mail address. Try again in "
        "%(num)d minute, or reset your password.",
        "Too many failed attempts to log in with this e-mail address. Try again in "
        "%(num)d minutes, or reset your password.",
        minutes,
    )


def _locked(breached: RequestLimit) -> Response:
    """The login page with the lock explained (429): the same for every e-mail address."""
    try:
        until = login_locks.locked_until(_typed_email())
        reset_at = until.timestamp() if until else breached.reset_at
    except login_locks.LockStoreError:
        reset_at = breached.reset_at
    minutes = max(1, math.ceil((reset_at - time.time()) / 60))
    page = render_template("auth/login.html", form=LoginForm(), login_error=lock_message(minutes))
    return make_response(page, 429)


per_address = limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
per_account = limiter.shared_limit(
    _account_limit,
    scope=login_locks.SCOPE,
    key_func=_account_key,
    methods=["POST"],
    exempt_when=_checks_no_password,
    on_breach=_locked,
)
