"""The request side of the answers' stash: never lose a page of answers to an expired
session or an expired security token.

A POST to a questionnaire page that cannot be processed (nobody logged in any more, or
the CSRF check failed) keeps the posted answers server-side
(``app.services.responding.stash``) under a random token held in an HttpOnly cookie, then sends the person to log in again (or back
to the page). The section page restores the kept answers when they come back. Only
same-origin posts are kept, so another site cannot plant answers in someone's browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..definitions.model import Definition, definition_of
from ..extensions import db, login_manager
from ..models import User
from ..services.questionnaires.versions import published_version, questionnaire_for_action
from ..services.responding import responses as response_service
from ..services.responding import stash as stash_service
from .forms import as_int

COOKIE = "tympanum_stash"
COOKIE_PATH = "/respond"


def logged_out() -> Any:
    """A respondent's page asked for by nobody logged in (``authz.allowed``'s
    ``anonymous``): a POST keeps its answers (``lost_post``), anything else goes to the
    login page."""
    if request.method == "POST":
        return lost_post("session")
    return login_manager.unauthorized()


def stash_token() -> str | None:
    return request.cookies.get(COOKIE)


def remember_token(token: str | None) -> None:
    """Set (a token) or clear (None) the stash cookie on this request's response."""
    g.stash_cookie = token or ""


def apply_cookie(response: WerkzeugResponse) -> WerkzeugResponse:
    token = g.pop("stash_cookie", None)
    if token is None:
        return response
    if token:
        response.set_cookie(
            COOKIE,
            token,
            max_age=stash_service.STASH_DAYS * 86400,
            path=COOKIE_PATH,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _same_origin() -> bool:
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return bool(source) and urlsplit(source).netloc == request.host


def _session_user_id() -> int | None:
    """Who is, or was, logged in: an expired session cookie is still signed by us."""
    if current_user.is_authenticated:
        return int(current_user.id)
    raw = request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    if not raw or serializer is None:
        return None
    try:
        data = serializer.loads(raw)  # the signature is checked, the age is not
        user_id = int(str(data.get("_user_id", "")).split(":", 1)[0])
    except Exception:  # noqa: BLE001 - any unreadable cookie: nobody known
        return None
    return user_id if db.session.get(User, user_id) is not None else None


def _definition(action_number: int) -> Definition | None:
    questionnaire = questionnaire_for_action(db.session, action_number)
    if questionnaire is None:
        return None
    version = None
    if current_user.is_authenticated and current_user.organisation is not None:
        response = response_service.current_response(
            db.session, current_user.organisation, questionnaire
        )
        version = response.version if response else None
    version = version or published_version(db.session, questionnaire)
    return definition_of(version) if version else None


def _keep(action_number: int, section_code: str) -> bool:
    defn = _definition(action_number)
    section = next((s for s in defn.sections if s["code"] == section_code), None) if defn else None
    if defn is None or section is None:
        return False
    payload = stash_service.keep_fields(defn, section, request.form.lists())
    if not set(payload) - set(stash_service.KEPT_FIELDS):
        return False
    token = stash_service.save(
        db.session,
        stash_token(),
        user_id=_session_user_id(),
        action_number=action_number,
        section_code=section_code,
        payload=payload,
        lock_version=as_int((payload.get("lock_version") or [""])[0], 0),
    )
    db.session.commit()
    remember_token(token)
    return True


def lost_post(reason: str) -> Any:
    """Answer a POST that cannot be processed (``reason``: "session" or "csrf")."""
    args = request.view_args or {}
    action_number = args.get("action")
    section_code = args.get("section") or request.form.get("section", "")
    kept = bool(
        action_number and section_code and _same_origin() and _keep(action_number, section_code)
    )
    if kept:
        target = url_for("respond.section", action=action_number, section=section_code)
    elif action_number:
        target = url_for("respond.overview", action=action_number)
    else:
        target = url_for("respond.home")
    logged_in = current_user.is_authenticated
    login_url = url_for("auth.login", next=target)
    if request.endpoint == "respond.autosave":
        return _autosave_answer(reason, kept, logged_in, target if logged_in else login_url)
    if logged_in and kept:
        message = _(
            "This page was open so long that its security check expired. Your answers "
            "are shown again below: check them and save."
        )
    elif logged_in:
        message = _(
            "This page was open so long that its security check expired. Reload the page "
            "and try again."
        )
    elif kept:
        message = _(
            "Your session has expired. Log in again: the answers you sent are kept and "
            "shown again after you log in."
        )
    else:
        message = _("Your session has expired. Log in again to continue.")
    flash(message, "warning")
    return apply_cookie(redirect(target if logged_in else login_url))


def _autosave_answer(reason: str, kept: bool, logged_in: bool, url: str) -> Any:
    """The script's autosave could not save: say why, and where to go to save."""
    if logged_in:
        message = _("the page's security check expired. Reload the page: your answers are kept.")
    elif kept:
        message = _("your session has expired. Log in again: your answers are kept.")
    else:
        message = _("your session has expired. Log in again.")
    body = {
        "ok": False,
        "reason": reason,
        "message": message,
        "kept": kept,
        "url": url,
        "link": "reload" if logged_in else "login",
    }
    response = jsonify(body)
    response.status_code = 400 if logged_in else 401
    return apply_cookie(response)
