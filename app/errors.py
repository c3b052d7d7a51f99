"""Error pages in the site's layout (HTML) or JSON for the API, never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from .auth.throttle import without_limit_headers
from .extensions import db
from .passwords import HashSlotBusy

log = logging.getLogger("tympanum.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not give access to this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. Check the link.")),
    405: (_l("Method not allowed"), _l("This page cannot be used that way.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than the limit. Shorten long answers or send a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You tried too often in a short time. Wait a minute, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error stopped this page. Nothing you saved before is lost."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The service cannot reach its database right now. Wait a moment and try again."),
    ),
}


def wants_json() -> bool:
    """JSON for the API and the health check, and for a script that asks for JSON first
    (the questionnaire's autosave); an error page for everything else."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    preferred = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return preferred == "application/json"


def render_error(status: int, detail: object = None, fallback: HTTPException | None = None):  # noqa: E501
    """The error page in the site's layout (JSON for the API). It must render even when
    the database is gone: on a 503 the layout leaves out the account menu (the user's
    row cannot be read again after the rollback), and if the layout still fails, a
    plain page says what happened. ``detail`` may be a lazy message: it is turned into
    text here, where a failure to look up the language (the account, in a database that
    has gone) is caught, never by the caller."""
    if status in MESSAGES:
        title, message = MESSAGES[status]
    elif fallback is not None:
        title, message = fallback.name, fallback.description or ""
    else:
        title, message = MESSAGES[500]
    if wants_json():
        body = {
            "error": _text(title),
            "message": _text(message if detail is None else detail),
            "status": status,
        }
        body["request_id"] = g.get("request_id", "")
        return jsonify(body), status
    try:
        page = render_template(
            "errors/error.html",
            status=status,
            title=title,
            message=message,
            detail=detail,
            without_account=status == 503,
        )
    except Exception:  # noqa: BLE001 - the layout read something that is gone
        log.warning("error page rendered without the layout", exc_info=True)
        _safe_rollback()
        page = _plain_page(status, _text(title), _text(message if detail is None else detail))
    return page, status


def _text(value: object) -> str:
    """A (lazy) message as text; in English when the translation cannot be looked up
    (the language comes from the user's account, which may be unreadable now)."""
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return str(getattr(value, "_args", [value])[0])


def _plain_page(
    status: int,
    title: str,
    message: str,
    home: tuple[str, str] = ("/", "Home"),
    lang: str = "en",
) -> str:
    request_id = escape(g.get("request_id", ""))
    href, text = home
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - Tympanum</title></head><body>"
        f"<main><p>Error {status}</p><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        f"<p>Request id: <code>{request_id}</code></p>"
        f'<p><a href="{escape(href)}">{escape(text)}</a></p></main>'
        "</body></html>"
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if request.blueprint == "respond" and request.method == "POST":
            # A questionnaire page: keep the answers, never lose them to an expired token.
            from .respond.stash import lost_post

            return lost_post("csrf")
        return render_error(
            400,
            _l(
                "Your form expired or was sent from elsewhere (security check failed). "
                "Reload the page and send it again."
            ),
        )

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        return untrusted_host_page()

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429 and getattr(error, "response", None) is not None:
            return error.response  # a limit's own page (the login lock), made by on_breach
        response = render_error(error.code, fallback=error)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        if error.code == 429:
            body, status = response
            retry = getattr(error, "retry_after", None)
            return body, status, ({"Retry-After": str(retry)} if retry else {})
        return response

    @app.errorhandler(OperationalError)
    def _db_unavailable(error: OperationalError):
        log.error("database unavailable: %s", error.orig)
        _safe_rollback()
        return render_error(503)

    @app.errorhandler(DataError)
    def _unstorable(error: DataError):
        # A value the database cannot store (out of range, bad encoding): the request's
        # fault, said as such; nothing was written (the transaction is rolled back).
        log.warning("value refused by the database: %s", error.orig)
        _safe_rollback()
        return render_error(
            400, _l("Some of what you sent cannot be stored. Check the values and try again.")
        )

    @app.errorhandler(DBAPIError)
    def _db_error(error: DBAPIError):
        if error.connection_invalidated:
            log.error("database connection lost: %s", error.orig)
            _safe_rollback()
            return render_error(503)
        return _internal(error)

    @app.errorhandler(HashSlotBusy)
    def _hash_slot_busy(error: HashSlotBusy):
        # A password to hash or check (invitation, reset, password change) while every
        # slot of this worker stayed busy: a quick 503 with Retry-After; nothing changed.
        # The login page answers this itself (it keeps the typed e-mail address).
        _safe_rollback()
        without_limit_headers()
        retry = current_app.config["PASSWORD_BUSY_RETRY_AFTER"]
        body, status = render_error(
            503,
            _l(
                "Many people are logging in right now, so your password could not be "
                "checked yet. Nothing was changed. Go back, wait a few seconds, then send "
                "the form again."
            ),
        )
        return body, status, {"Retry-After": str(retry), "Cache-Control": "no-store"}

    @app.errorhandler(Exception)
    def _internal(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        _safe_rollback()
        return render_error(500)


def untrusted_host_page():
    """The 400 page for a request naming a host that is not in TRUSTED_HOSTS: a plain page
    without the site's layout (its styles and links would be asked of that host, and
    refused too), with one link, to PUBLIC_URL. Nothing the request named is repeated."""
    public = current_app.config["PUBLIC_URL"]
    message = _l("This site does not answer to that address. Its address is %(url)s.", url=public)
    if wants_json():
        return render_error(400, message)
    page = _plain_page(
        400, _text(MESSAGES[400][0]), _text(message), home=(public + "/", public), lang=_lang()
    )
    return page, 400


def _lang() -> str:
    try:
        return str(get_locale() or "en")
    except Exception:  # noqa: BLE001 - the language comes from an account that may be unreadable
        return "en"


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be gone; the page must still render
        log.warning("rollback after error failed", exc_info=True)
