"""The outbox for admins: how much mail waits, is sent or failed, and each address that
failed with the mail server's answer; a failed message can be tried again."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz, mail
from ..authz import allowed
from ..extensions import db
from ..forms import EmptyForm
from ..loaders import get_outbox_mail_or_404
from ..models import MailStatus
from ..services import audit
from ..services.mailing import outbox
from . import bp
from .routes import client_ip

STALLED = timedelta(minutes=10)  # the worker looks every few seconds


@bp.get("/mail", endpoint="mail")
@allowed(authz.can_read_admin)
def mail_page():
    return render_template(
        "admin/mail.html",
        counts=outbox.counts(db.session),
        statuses=list(MailStatus),
        troubled=outbox.troubled(db.session),
        waiting=outbox.oldest_due(db.session),
        stalled=STALLED,
        mail_configured=mail.mail_configured(),
        form=EmptyForm(),
        can_retry=authz.can_administer(current_user),
    )


@bp.post("/mail/<int:mail_id>/retry")
@allowed(authz.can_administer)
def mail_retry(mail_id: int):
    item = get_outbox_mail_or_404(mail_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if item.status != MailStatus.FAILED:
        flash(_("That message has not failed: it is sent or still being tried."), "info")
        return redirect(url_for("admin.mail"))
    outbox.retry(db.session, item)
    audit.record(
        db.session,
        "mail.retried",
        user=current_user,
        obj=item,
        ip=client_ip(),
        to=item.to_address,
        kind=item.kind.value,
    )
    db.session.commit()
    flash(_("The message to %(email)s will be tried again.", email=item.to_address), "success")
    return redirect(url_for("admin.mail"))
