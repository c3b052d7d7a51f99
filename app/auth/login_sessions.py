"""The request side of server-side sessions. The signed session cookie carries
Flask-Login's user id and the session's secret; the ``user_sessions`` row that the
secret names decides, on every page, whether the cookie still logs anyone in."""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user

from ..database import read_only_request
from ..extensions import db
from ..models import User, UserSession
from ..services.people import user_sessions
from ..urls import BIGGEST_ID

COOKIE_KEY = "sid"  # where the session cookie holds the secret


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user, if the cookie's session is still live.
    Requests that write anyway also record the session's activity (at most every few
    minutes); a read-only page writes nothing."""
    secret = session.get(COOKIE_KEY)
    try:
        number = int(user_id)
    except (TypeError, ValueError):
        return None
    if not isinstance(secret, str) or not 0 < number <= BIGGEST_ID:
        return None
    found = user_sessions.resume(db.session, number, secret)
    if found is None:
        return None
    user, row = found
    g.user_session = row
    if not read_only_request():
        user_sessions.touch(row)
    return user


def current_session() -> UserSession | None:
    """The logged-in person's session row in this request (None when logged out)."""
    if not current_user.is_authenticated:  # loads the user, and with it the row
        return None
    return g.get("user_session")


def start_session(user: User) -> UserSession:
    """Log ``user`` in on a fresh session (no fixation), keeping the chosen language.
    The row is added to the database session: the caller commits."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    row, secret = user_sessions.start(
        db.session,
        user,
        lifetime=current_app.permanent_session_lifetime,
        device=user_sessions.describe_device(request.user_agent.string or ""),
    )
    session[COOKIE_KEY] = secret
    login_user(user)
    g.user_session = row
    return row


def forget_session() -> None:
    """Empty this browser's cookie session (after its row has ended)."""
    logout_user()
    session.clear()
    g.pop("user_session", None)
