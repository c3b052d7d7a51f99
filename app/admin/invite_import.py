"""Inviting many respondents from CSV: upload, preview with a per-row report, then invite
all or nobody (their invitations go to the outbox in the same transaction). The file's
text travels from the preview to the invitation signed, and is checked again."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..services.people import invitation_import, organisation_import
from ..services.people.accounts import UserError
from . import bp
from .forms import ImportConfirmForm, ImportUploadForm
from .routes import client_ip

TEMPLATE_CSV = (
    "email,name,organisation,actions,language\r\n"
    "anna.muster@example.org,Anna Muster,City of Example,1 4,de\r\n"
    "luca.rossi@example.org,Luca Rossi,Example Region,,it\r\n"
)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tympanum.invitations-import")


def _render(form: ImportUploadForm, report=None, confirm_form=None):
    return render_template(
        "admin/people/import.html",
        form=form,
        report=report,
        confirm_form=confirm_form,
        max_rows=invitation_import.MAX_ROWS,
        days=current_app.config["INVITATION_DAYS"],
    )


@bp.get("/users/import")
@allowed(authz.can_administer)
def invitations_import():
    return _render(ImportUploadForm())


@bp.get("/users/import/template.csv")
@allowed(authz.can_administer)
def invitations_import_template():
    return Response(
        TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=invitations-template.csv"},
    )


@bp.post("/users/import")
@allowed(authz.can_administer)
def invitations_import_preview():
    """Step 1: read and check the file; nothing is written, nobody is told."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _render(form)
    upload = form.file.data
    filename = (upload.filename or "")[:200]
    raw = upload.stream.read(organisation_import.MAX_BYTES + 1)
    report = invitation_import.read(db.session, raw, filename)
    db.session.rollback()
    confirm_form = None
    if report.can_invite:
        payload = {"filename": filename, "csv": raw.decode("utf-8-sig")}
        confirm_form = ImportConfirmForm(payload=_serializer().dumps(payload))
    return _render(ImportUploadForm(formdata=None), report, confirm_form)


@bp.post("/users/import/commit")
@allowed(authz.can_administer)
def invitations_import_commit():
    """Step 2: check the previewed file again, then invite everyone in it or nobody."""
    form = ImportConfirmForm()
    try:
        if not form.validate_on_submit():
            raise BadSignature("no payload")
        payload = _serializer().loads(form.payload.data)
    except BadSignature:
        flash(_("The file could not be read back. Upload it again."), "error")
        return redirect(url_for(".invitations_import"))
    report = invitation_import.read(db.session, payload["csv"].encode("utf-8"), payload["filename"])
    if not report.can_invite:
        db.session.rollback()
        flash(_("Something changed since the preview: check the report again."), "warning")
        return _render(ImportUploadForm(formdata=None), report, None)
    try:
        invited = invitation_import.invite_all(
            db.session,
            report,
            by=current_user._get_current_object(),
            lifetime=timedelta(days=current_app.config["INVITATION_DAYS"]),
            ip=client_ip(),
        )
    except UserError as error:
        db.session.rollback()
        flash(_("Nobody was invited: %(why)s", why=error), "error")
        return redirect(url_for(".invitations_import"))
    db.session.commit()
    flash(
        _("%(count)d people invited; their invitations are on their way.", count=len(invited)),
        "success",
    )
    return redirect(url_for(".users"))
