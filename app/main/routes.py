"""Home page per role, health check."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, text

from ..extensions import db, limiter
from ..models import Action, Role
from . import bp


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.RESPONDENT:
        return redirect(url_for("respond.home"))
    if current_user.role == Role.LEADER:
        actions = list(current_user.led_actions)
    else:
        actions = list(db.session.scalars(select(Action).order_by(Action.number)))
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
