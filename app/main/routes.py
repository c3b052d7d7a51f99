"""Home page per role, health check."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, text

from .. import authz
from ..authz import allowed
from ..extensions import db, limiter
from ..models import Action
from . import bp


def _to_login():
    """The front door: logged out, straight to the login page (no "please log in")."""
    return redirect(url_for("auth.login"))


@bp.route("/")
@allowed(authz.is_logged_in, anonymous=_to_login)
def index():
    if authz.can_respond(current_user):
        return redirect(url_for("respond.home"))
    actions = [
        action
        for action in db.session.scalars(select(Action).order_by(Action.number))
        if authz.can_view_action_overview(current_user, action)
    ]
    return render_template("main/index.html", actions=actions)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        conn = db.session.connection(execution_options={"sqlite_deferred": True})
        conn.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
