"""Login and logout; invitation and password-reset links."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import authz
from ..authz import allowed
from ..extensions import db, limiter
from ..forms import EmptyForm
from ..i18n import N_
from ..models import normalise_email, utcnow
from ..passwords import HashSlotBusy
from ..services import audit
from ..services.mailing import messages
from ..services.people import accounts, invitations, password_resets, user_sessions
from ..services.people.accounts import UserError
from ..services.people.link_tokens import TokenError
from ..urls import is_safe_next
from . import bp, throttle
from .forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from .login_sessions import current_session, forget_session, start_session

GENERIC_LOGIN_ERROR = N_("Incorrect e-mail address or password, or the account is not active.")


def _token_limit() -> str:
    return current_app.config["TOKEN_RATE_LIMIT"]


def _ip() -> str:
    return request.remote_addr or ""


def link_problem(error: TokenError, purpose: str):
    """The page for an unusable link: 404 when unknown, 410 when expired or used."""
    status = 404 if error.reason == "invalid" else 410
    return render_template("auth/link_problem.html", reason=error.reason, purpose=purpose), status


@bp.context_processor
def _password_rules() -> dict[str, int]:
    return {"min_password_length": accounts.MIN_PASSWORD_LENGTH}


@bp.route("/login", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        # The password check (tens of milliseconds of Argon2id) runs in a read-only
        # transaction: on SQLite a POST's transaction holds the write lock from its first
        # query, and every save on the site would wait for each login's hash.
        db.session.rollback()
        db.session.connection(execution_options={"sqlite_deferred": True})
        try:
            result = accounts.authenticate(
                db.session, form.email.data or "", form.password.data or ""
            )
        except HashSlotBusy:
            db.session.rollback()
            return busy_login_page(form)
        db.session.rollback()  # ends the read; the writes below hold the lock briefly
        if result.user is not None and not result.user.active:  # deactivated meanwhile
            result = accounts.LoginResult(None, "account deactivated")
        if result.user is not None:
            result.user.last_login_at = utcnow()
        if result.user is None:
            throttle.count_failure()
            audit.record(
                db.session,
                "login.failure",
                actor=normalise_email(form.email.data or "")[:254],
                ip=_ip(),
                reason=result.reason,
            )
            db.session.commit()
            return render_template("auth/login.html", form=form, login_error=_(GENERIC_LOGIN_ERROR))
        start_session(result.user)
        if accounts.upgrade_password_hash(db.session, result):  # an older hash replaced
            audit.record(
                db.session, "login.success", user=result.user, ip=_ip(), password_rehashed=True
            )
        else:
            audit.record(db.session, "login.success", user=result.user, ip=_ip())
        db.session.commit()
        throttle.clear_attempts(result.user.email)
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


def busy_login_page(form: LoginForm):
    """Every password-hash slot of this worker stayed busy (a login burst): a quick 503
    with Retry-After instead of a held worker. The login page again, with the typed
    e-mail address (never the password); the attempt checked nothing, so it is given
    back to the account's count."""
    throttle.give_back_attempt(form.email.data or "")
    retry = current_app.config["PASSWORD_BUSY_RETRY_AFTER"]
    page = render_template("auth/login.html", form=form, login_error=busy_message(retry))
    return page, 503, {"Retry-After": str(retry), "Cache-Control": "no-store"}


def busy_message(seconds: int) -> str:
    return ngettext(
        "Many people are logging in right now, so your password could not be checked yet. "
        "Wait %(num)d second, then log in again.",
        "Many people are logging in right now, so your password could not be checked yet. "
        "Wait %(num)d seconds, then log in again.",
        seconds,
    )


@bp.route("/logout", methods=["POST"])
@allowed(authz.is_logged_in)
def logout():
    """Log out this browser: its session ends on the server, so a copy of the cookie
    gets the login page too. Other browsers stay logged in."""
    form = EmptyForm()
    if form.validate_on_submit():
        row = current_session()
        if row is not None:
            user_sessions.end(db.session, row)
        audit.record(db.session, "logout", user=current_user, ip=_ip())
        db.session.commit()
        forget_session()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_token_limit)
def accept_invitation(token: str):
    try:
        invited = invitations.check_invitation(db.session, token)
    except TokenError as error:
        return link_problem(error, "invite")
    form = AcceptInvitationForm()
    if request.method == "GET":
        form.display_name.data = invited.display_name
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(
                db.session,
                token,
                form.password.data or "",
                display_name=form.display_name.data or "",
                ip=_ip(),
            )
        except TokenError as error:  # used up by a parallel request in the meantime
            db.session.rollback()
            return link_problem(error, "invite")
        except UserError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            start_session(user)
            db.session.commit()
            flash(_("Welcome, %(name)s: your account is ready.", name=user.display_name), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/accept_invitation.html", form=form, invited=invited)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_token_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same answer, in the same time, whether or not the address has an account:
        # the request writes one outbox row; the lookup, the link and the e-mail are the
        # worker's.
        messages.request_reset(db.session, form.email.data or "", _ip())
        db.session.commit()
        return redirect(url_for("auth.forgot_password_sent"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/forgot/sent")
def forgot_password_sent():
    return render_template(
        "auth/forgot_password_sent.html", hours=current_app.config["RESET_HOURS"]
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_token_limit)
def reset_password(token: str):
    try:
        user = password_resets.check_reset(db.session, token)
    except TokenError as error:
        return link_problem(error, "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_resets.reset_password(
                db.session, token, form.password.data or "", ip=_ip()
            )
        except TokenError as error:
            db.session.rollback()
            return link_problem(error, "reset")
        except UserError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            start_session(user)
            db.session.commit()
            flash(_("Your password has been changed; you are logged in."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/reset_password.html", form=form, user=user)
