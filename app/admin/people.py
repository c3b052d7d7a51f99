"""People: invitations, password-reset links sent by an administrator, unlocking logins
after failed attempts, erasure."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import authz, mail
from ..auth.reset import reset_lifetime, reset_message
from ..authz import allowed
from ..extensions import db
from ..forms import EmptyForm
from ..loaders import get_account_or_404
from ..models import Action, Organisation, Role, User, normalise_email
from ..services.people import accounts, gdpr, invitations, login_locks, password_resets
from ..services.people.accounts import UserError
from ..urls import external_url
from . import bp
from .people_forms import ConfirmEraseForm, InviteForm


def _ip() -> str:
    return request.remote_addr or ""


def _me() -> User:
    """The logged-in user itself (services and the audit log need the row, not a proxy)."""
    return current_user._get_current_object()


def _delivery(to: str, subject: str, body: str) -> dict[str, object]:
    """Send a message (logged when mail is off); what the page tells the sender about it."""
    sent = mail.send_mail(to, subject, body)
    return {"sent": sent, "mail_configured": mail.mail_configured(), "to": to}


@bp.route("/users/invite", methods=["GET", "POST"])
@allowed(authz.can_invite_people)
def invite_user():
    offered = [
        action
        for action in db.session.scalars(select(Action).order_by(Action.number))
        if authz.can_invite_for(current_user, action)
    ]
    organisations = list(
        db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
        )
    )
    # Leaders are offered only the respondent role and their actions; the service checks
    # authz.can_invite again, whatever was posted.
    form = InviteForm.for_inviter(current_user, organisations, offered)
    problem = None
    if form.validate_on_submit():
        chosen = [a for a in offered if a.id in (form.actions.data or [])]
        organisation = (
            db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        )
        days = current_app.config["INVITATION_DAYS"]
        try:
            user, raw = invitations.invite(
                db.session,
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                role=form.role.data or "",
                organisation=organisation,
                actions=chosen,
                invited_by=_me(),
                lifetime=timedelta(days=days),
                ip=_ip(),
            )
        except UserError as error:
            db.session.rollback()
            problem = str(error)
        else:
            db.session.commit()
            return _invitation_sent(user, raw, chosen, days)
    return render_template("admin/people/invite.html", form=form, problem=problem)


def _invitation_sent(user: User, raw: str, chosen: list[Action], days: int):
    """Shown once, right after the POST: the link is never stored, so it cannot be shown
    again after a redirect."""
    if user.role == Role.LEADER:
        listed = chosen or list(user.led_actions)
    elif user.organisation is not None:
        listed = chosen or list(user.organisation.actions)
    else:
        listed = []
    if raw:
        link = external_url("auth.accept_invitation", token=raw)
        template = "invitation"
    else:
        link = external_url("main.index")
        template = "actions_added"
    subject, body = mail.compose(
        template, user.locale, user=user, inviter=_me(), link=link, days=days, actions=listed
    )
    delivery = _delivery(user.email, subject, body)
    return render_template(
        "admin/people/link_result.html",
        kind="invitation" if raw else "actions_added",
        user=user,
        link=link if raw and not delivery["sent"] else None,
        days=days,
        **delivery,
    )


@bp.route("/users/<int:user_id>/account")
@allowed(authz.can_manage_accounts)
def user_account(user_id: int):
    user = get_account_or_404(user_id, current_user)
    return render_template(
        "admin/people/account.html",
        user=user,
        form=EmptyForm(),
        erased=gdpr.is_erased(user),
        mail_configured=mail.mail_configured(),
    )


@bp.route("/users/<int:user_id>/send-reset", methods=["POST"])
@allowed(authz.can_manage_accounts)
def send_reset(user_id: int):
    user = get_account_or_404(user_id, current_user)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        raw = password_resets.issue_password_reset(
            db.session, user, issued_by=_me(), lifetime=reset_lifetime(), ip=_ip()
        )
    except UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.user_account", user_id=user.id))
    db.session.commit()
    subject, body = reset_message(user, raw)
    delivery = _delivery(user.email, subject, body)
    return render_template(
        "admin/people/link_result.html",
        kind="reset",
        user=user,
        link=None if delivery["sent"] else external_url("auth.reset_password", token=raw),
        hours=current_app.config["RESET_HOURS"],
        **delivery,
    )


@bp.post("/users/<int:user_id>/unlock-login")
@allowed(authz.can_manage_accounts)
def unlock_login(user_id: int):
    user = get_account_or_404(user_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        unlocked = accounts.unlock_login(db.session, user, by=_me(), ip=_ip())
    except login_locks.LockStoreError:
        db.session.rollback()
        flash(_("The login counters cannot be reached right now: try again in a moment."), "error")
    else:
        if unlocked:
            db.session.commit()
            flash(_("%(email)s can log in again.", email=user.email), "success")
        else:
            flash(_("Logins to this account were not locked."), "info")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@allowed(authz.can_manage_accounts)
def erase_user(user_id: int):
    user = get_account_or_404(user_id, current_user)
    if gdpr.is_erased(user):
        flash(_("This account has been erased already."), "info")
        return redirect(url_for("admin.user_account", user_id=user.id))
    form = ConfirmEraseForm()
    problem = None
    if form.validate_on_submit():
        if normalise_email(form.confirm_email.data or "") != user.email:
            form.confirm_email.errors = [
                _("That is not the account's e-mail address: type %(email)s.", email=user.email)
            ]
        else:
            email = user.email
            try:
                gdpr.erase_user(db.session, user, _me(), ip=_ip())
            except UserError as error:
                db.session.rollback()
                problem = str(error)
            else:
                db.session.commit()
                flash(_("The personal data of %(email)s has been erased.", email=email), "success")
                return redirect(url_for("admin.user_account", user_id=user.id))
    return render_template(
        "admin/people/erase.html",
        user=user,
        form=form,
        problem=problem,
        summary=gdpr.erasure_summary(db.session, user),
    )
