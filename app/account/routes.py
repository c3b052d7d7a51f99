"""My account (details, language, password, sessions, personal data) and privacy
consent."""

from __future__ import annotations

import json

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz
from ..auth.login_sessions import current_session
from ..authz import allowed
from ..database import writes_on_get
from ..extensions import db
from ..models import User
from ..services import audit
from ..services.people import accounts, gdpr, user_sessions
from ..services.people.accounts import UserError
from ..urls import is_safe_next
from . import bp
from .forms import ChangePasswordForm, PrivacyForm, ProfileForm
from .notice import render_notice

# Reachable before the privacy notice is accepted (the notice itself, leaving, and the
# pages of the link and login flows, which work for anyone).
CONSENT_EXEMPT = {
    "static",
    "auth.login",
    "auth.logout",
    "auth.accept_invitation",
    "auth.forgot_password",
    "auth.forgot_password_sent",
    "auth.reset_password",
    "account.privacy",
    "account.privacy_notice",
    "main.healthz",
}


def _ip() -> str:
    return request.remote_addr or ""


def _me() -> User:
    """The logged-in user itself (services and the audit log need the row, not a proxy)."""
    return current_user._get_current_object()


def _notice_html():
    return render_notice(
        str(get_locale() or "en"),
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
        retention_months=current_app.config["RETENTION_MONTHS"],
    )


@bp.context_processor
def _password_rules() -> dict[str, int]:
    return {"min_password_length": accounts.MIN_PASSWORD_LENGTH}


@bp.before_app_request
def require_privacy_consent():
    """Send logged-in users to the privacy notice until they accept its current version."""
    if request.endpoint is None or request.endpoint in CONSENT_EXEMPT:
        return None
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    if not accounts.needs_privacy_consent(
        current_user, current_app.config["PRIVACY_NOTICE_VERSION"]
    ):
        return None
    target = request.full_path.rstrip("?") if request.method == "GET" else ""
    return redirect(url_for("account.privacy", next=target or None))


@bp.route("/privacy", methods=["GET", "POST"])
@allowed(authz.is_logged_in)
def privacy():
    version = current_app.config["PRIVACY_NOTICE_VERSION"]
    form = PrivacyForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        accounts.accept_privacy(db.session, _me(), version, ip=_ip())
        db.session.commit()
        flash(_("Thank you. You can now use Tympanum."), "success")
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template(
        "account/privacy.html",
        form=form,
        notice=_notice_html(),
        version=version,
        accepted=not accounts.needs_privacy_consent(current_user, version),
        previously=current_user.privacy_version,
    )


@bp.route("/privacy-notice")
def privacy_notice():
    return render_template(
        "account/privacy_notice.html",
        notice=_notice_html(),
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
    )


def _render_account(profile_form=None, password_form=None):
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None, display_name=current_user.display_name, locale=current_user.locale or ""
        )
    this_browser = current_session()
    return render_template(
        "account/index.html",
        profile_form=profile_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        retention_months=current_app.config["RETENTION_MONTHS"],
        sessions=user_sessions.sessions_of(db.session, _me()),
        this_session_id=this_browser.id if this_browser is not None else None,
        session_hours=round(current_app.permanent_session_lifetime.total_seconds() / 3600),
    )


@bp.route("/account")
@allowed(authz.is_logged_in)
def index():
    return _render_account()


@bp.route("/account/profile", methods=["POST"])
@allowed(authz.is_logged_in)
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                db.session,
                _me(),
                display_name=form.display_name.data or "",
                locale=form.locale.data or None,
                ip=_ip(),
            )
        except UserError as error:
            db.session.rollback()
            form.display_name.errors = [str(error)]
        else:
            db.session.commit()
            if form.locale.data:
                session["lang"] = form.locale.data
            else:
                session.pop("lang", None)
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("account.index"))
    return _render_account(profile_form=form)


@bp.route("/account/password", methods=["POST"])
@allowed(authz.is_logged_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session,
                _me(),
                form.current_password.data or "",
                form.password.data or "",
                keep=current_session(),  # this browser stays logged in
                ip=_ip(),
            )
        except UserError as error:
            db.session.rollback()
            form.current_password.errors = [str(error)]
        else:
            db.session.commit()
            flash(
                _("Your password has been changed. Other sessions have been logged out."), "success"
            )
            return redirect(url_for("account.index"))
    return _render_account(password_form=form)


@bp.route("/account/data.json")
@writes_on_get
@allowed(authz.is_logged_in)
def personal_data():
    data = gdpr.personal_data(db.session, _me())
    audit.record(db.session, "personal_data.downloaded", user=_me(), obj=_me(), ip=_ip())
    db.session.commit()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="tympanum-personal-data-{current_user.id}.json"'
            ),
            "Cache-Control": "no-store",
        },
    )
