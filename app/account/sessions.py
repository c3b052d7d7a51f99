"""My sessions: the browsers logged in to my account; end one, or all of them."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz
from ..auth.login_sessions import current_session, forget_session
from ..authz import allowed
from ..extensions import db
from ..forms import EmptyForm
from ..models import User
from ..services import audit
from ..services.people import user_sessions
from . import bp


def _me() -> User:
    return current_user._get_current_object()


def _ip() -> str:
    return request.remote_addr or ""


def _back_to_sessions():
    return redirect(url_for("account.index", _anchor="sessions-title"))


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@allowed(authz.is_logged_in)
def end_session(session_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = user_sessions.get_own(db.session, _me(), session_id)
    if row is None:  # ended meanwhile, or never this account's
        flash(_("That session had ended already."), "info")
        return _back_to_sessions()
    this_browser = current_session()
    is_this_browser = this_browser is not None and row.id == this_browser.id
    audit.record(
        db.session, "session.ended", user=_me(), ip=_ip(), device=row.device, own=is_this_browser
    )
    user_sessions.end(db.session, row)
    db.session.commit()
    if is_this_browser:
        forget_session()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended: the browser is logged out."), "success")
    return _back_to_sessions()


@bp.route("/account/sessions/end-all", methods=["POST"])
@allowed(authz.is_logged_in)
def end_all_sessions():
    if not EmptyForm().validate_on_submit():
        abort(400)
    ended = user_sessions.end_all(db.session, _me())
    audit.record(db.session, "sessions.ended_all", user=_me(), ip=_ip(), sessions=ended)
    db.session.commit()
    forget_session()
    flash(_("You have logged out everywhere, on this browser too."), "info")
    return redirect(url_for("auth.login"))
