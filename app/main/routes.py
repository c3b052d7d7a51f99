"""Home page per role, health check."""

from __future__ import annotations

from flask import abort, current_app, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from .. import authz
from ..authz import allowed
from ..countries import country_name
from ..extensions import db, limiter
from ..models import DEFAULT_TIME_ZONE, ORG_KIND_LABELS, SIZE_BAND_LABELS
from ..services.responding import deadlines, participation
from ..services.results.cache import ResultCache
from . import bp, presenters


def _to_login():
    """The front door: logged out, straight to the login page (no "please log in")."""
    return redirect(url_for("auth.login"))


@bp.route("/")
@allowed(authz.is_logged_in, anonymous=_to_login)
def index():
    if authz.can_respond(current_user):
        return redirect(url_for("respond.home"))
    if not authz.can_see_dashboard(current_user):
        abort(403)
    return dashboard()


def dashboard():
    """The organisers' dashboard: every action for admins and coordinators, their own
    for leaders (``authz.dashboard_scope``)."""
    board = participation.build(
        db.session, authz.dashboard_scope(current_user), cache=_figures_cache()
    )
    today = deadlines.local_day(board.now, DEFAULT_TIME_ZONE)
    timelines = [
        presenters.timeline(
            row,
            board.timeline.get(row.action.number, []),
            today,
            _("Submissions over time, action %(n)s", n=row.action.number),
        )
        for row in board.actions
    ]
    silent, nobody = presenters.silent_countries(board.by_country)
    return render_template(
        "main/index.html",
        board=board,
        totals=presenters.totals(board),
        today=today,
        timelines=[t for t in timelines if t.weeks],
        silent=silent,
        nobody=nobody,
        states=presenters.STATES,
        presenters=presenters,
        country_name=country_name,
        kind_labels=ORG_KIND_LABELS,
        size_labels=SIZE_BAND_LABELS,
    )


def _figures_cache() -> ResultCache:
    """The process's cache of aggregate rows (RESULTS_CACHE_SECONDS; 0 switches it off),
    shared with the results pages; the dashboard checks it against its own data version."""
    cache = current_app.extensions.get("tympanum_results_cache")
    if cache is None:
        seconds = float(current_app.config.get("RESULTS_CACHE_SECONDS", 600))
        cache = current_app.extensions.setdefault(
            "tympanum_results_cache", ResultCache(ttl_seconds=seconds)
        )
    return cache


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
