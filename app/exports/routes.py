"""The export page of an action and the downloads it offers (streamed)."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, stream_with_context
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from .. import authz
from ..authz import allowed
from ..database import writes_on_get
from ..extensions import db
from ..forms import country_choices
from ..loaders import get_exportable_action_or_404
from ..models import Organisation, utcnow
from ..services import audit, exports
from . import bp
from .forms import ExportForm


def _form() -> ExportForm:
    form = ExportForm(request.args)
    countries = db.session.scalars(
        select(Organisation.country).distinct().order_by(Organisation.country)
    ).all()
    any_country = form.country.choices[0]
    form.country.choices = country_choices(str(get_locale() or "en"), any_country.label, countries)
    return form


@bp.route("/actions/<int:number>/exports")
@allowed(authz.can_export)
def index(number: int):
    action = get_exportable_action_or_404(number, current_user)
    catalogue = exports.prepare(db.session, action)
    return render_template(
        "exports/index.html", action=action, form=_form(), has_questionnaire=catalogue is not None
    )


@bp.route("/actions/<int:number>/exports/download")
@writes_on_get
@allowed(authz.can_export)
def download(number: int):
    action = get_exportable_action_or_404(number, current_user)
    catalogue = exports.prepare(db.session, action)
    form = _form()
    if catalogue is None or not form.validate():
        status = 404 if catalogue is None else 400
        return render_template(
            "exports/index.html",
            action=action,
            form=form,
            has_questionnaire=catalogue is not None,
        ), status
    options = form.options()
    # Plain values only from here on: after the commit, touching an ORM object would open
    # a new transaction (on SQLite a write lock) for as long as the download streams.
    label, who, user_id = exports.action_label(action), current_user.email, current_user.id
    filename = exports.filename(action.number, options, utcnow().date())
    audit.record(
        db.session,
        "export.downloaded",
        user=current_user,
        obj=action,
        ip=request.remote_addr or "",
        filename=filename,
        **options.describe(),
    )
    db.session.commit()
    engine = db.engine
    if options.format == exports.Format.XLSX:
        body = exports.xlsx_stream(engine, catalogue, options, action=label, exported_by=who)
        mimetype = exports.XLSX_MIMETYPE
    else:
        body = exports.csv_stream(engine, catalogue, options)
        mimetype = exports.CSV_MIMETYPE
    current_app.logger.info("export %s started by user %s", filename, user_id)
    return Response(
        stream_with_context(body),
        content_type=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # let a reverse proxy pass chunks on as they come
        },
    )
