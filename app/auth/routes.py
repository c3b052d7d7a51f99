"""Login and logout."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..forms import EmptyForm
from ..services import audit, users
from ..services.i18n import N_
from ..urls import is_safe_next
from . import bp
from .forms import LoginForm

GENERIC_LOGIN_ERROR = N_("Incorrect e-mail address or password, or the account is not active.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = users.authenticate(db.session, form.email.data or "", form.password.data or "")
        if result.user is None:
            audit.record(
                db.session,
                "login.failure",
                actor=users.normalise_email(form.email.data or "")[:254],
                ip=request.remote_addr or "",
                reason=result.reason,
            )
            db.session.commit()
            return render_template("auth/login.html", form=form, login_error=_(GENERIC_LOGIN_ERROR))
        lang = session.get("lang")
        session.clear()  # a fresh session on login: no fixation
        if lang:
            session["lang"] = lang
        login_user(result.user)
        audit.record(db.session, "login.success", user=result.user, ip=request.remote_addr or "")
        db.session.commit()
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        audit.record(db.session, "logout", user=current_user, ip=request.remote_addr or "")
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
