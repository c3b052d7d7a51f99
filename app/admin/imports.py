"""Importing organisations from CSV: upload, preview with a per-row report, then import
all or nothing. The file's text travels from the preview to the import signed (not
re-uploaded), and is checked again before anything is written."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from .. import authz
from ..authz import allowed
from ..countries import country_name
from ..extensions import db
from ..models import ORG_KIND_LABELS, SIZE_BAND_LABELS
from ..services.people import organisation_import
from . import bp
from .forms import ImportConfirmForm, ImportUploadForm
from .routes import client_ip, current_lang

TEMPLATE_CSV = (
    "name,kind,country,city size band,actions\r\n"
    "City of Example,city,DE,medium,1 4 11\r\n"
    "Example Region,Region,Italy,,2\r\n"
    "Ministry of Culture of Example,Member State,FR,,\r\n"
)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tympanum.organisations-import")


def _render(upload_form: ImportUploadForm, report=None, confirm_form=None):
    return render_template(
        "admin/organisations_import.html",
        form=upload_form,
        report=report,
        confirm_form=confirm_form,
        max_rows=organisation_import.MAX_ROWS,
        max_mb=organisation_import.MAX_BYTES // 1024 // 1024,
        kind_labels=ORG_KIND_LABELS,
        size_labels=SIZE_BAND_LABELS,
        country_name=country_name,
        lang=current_lang(),
    )


@bp.get("/organisations/import")
@allowed(authz.can_administer)
def organisations_import():
    return _render(ImportUploadForm())


@bp.get("/organisations/import/template.csv")
@allowed(authz.can_administer)
def organisations_import_template():
    return Response(
        TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=organisations-template.csv"},
    )


@bp.post("/organisations/import")
@allowed(authz.can_administer)
def organisations_import_preview():
    """Step 1: read and check the file; nothing is written."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _render(form)
    upload = form.file.data
    filename = (upload.filename or "")[:200]
    raw = upload.stream.read(organisation_import.MAX_BYTES + 1)
    report = organisation_import.read(db.session, raw, filename)
    db.session.rollback()
    confirm_form = None
    if report.can_import:
        text = raw.decode("utf-8-sig")
        confirm_form = ImportConfirmForm(
            payload=_serializer().dumps({"filename": filename, "csv": text})
        )
    return _render(ImportUploadForm(formdata=None), report, confirm_form)


@bp.post("/organisations/import/commit")
@allowed(authz.can_administer)
def organisations_import_commit():
    """Step 2: check the previewed file again, then create all its organisations or none."""
    form = ImportConfirmForm()
    try:
        if not form.validate_on_submit():
            raise BadSignature("no payload")
        payload = _serializer().loads(form.payload.data)
    except BadSignature:
        flash(_("The import could not be read back. Upload the file again."), "error")
        return redirect(url_for(".organisations_import"))
    filename = payload["filename"]
    report = organisation_import.read(db.session, payload["csv"].encode("utf-8"), filename)
    if not report.can_import:
        db.session.rollback()
        flash(
            _(
                "Something changed since the preview (for example an organisation of the file "
                "was created meanwhile): check the report again."
            ),
            "warning",
        )
        return _render(ImportUploadForm(formdata=None), report, None)
    try:
        created = organisation_import.commit(db.session, report, by=current_user, ip=client_ip())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(
            _(
                "Another administrator changed the organisations meanwhile; nothing was imported. "
                "Upload the file again."
            ),
            "error",
        )
        return redirect(url_for(".organisations_import"))
    message = _("%(count)d organisations imported.", count=len(created))
    if report.skipped_rows:
        message += " " + _(
            "%(count)d skipped: they already existed.", count=len(report.skipped_rows)
        )
    flash(message, "success")
    return redirect(url_for(".organisations", sort="-created"))
