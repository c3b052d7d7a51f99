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
from ..services.exports import research
from . import bp
from .forms import ExportForm, ResearchExtractForm


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
    """The form; with the filters it was sent with ("Count responses"), how many
    responses they select, so the download holds no surprise."""
    action = get_exportable_action_or_404(number, current_user)
    catalogue = exports.prepare(db.session, action)
    form = _form()
    matching = None
    if catalogue is not None:
        if not request.args or form.validate():
            matching = exports.count(db.engine, catalogue.questionnaire_id, form.filters())
    return render_template(
        "exports/index.html",
        action=action,
        form=form,
        has_questionnaire=catalogue is not None,
        matching=matching,
        can_extract=authz.can_administer(current_user),
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
            matching=None,
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


EXTRACT_TYPES = {
    "csv": ("text/csv", "csv"),
    "sav": ("application/x-spss-sav", "sav"),
    "dta": ("application/x-stata-dta", "dta"),
}


@bp.route("/actions/<int:number>/exports/research", methods=["GET", "POST"])
@allowed(authz.can_administer)
def research_extract(number: int):
    """The researchers' extract, made when an admin approves it (audited)."""
    action = get_exportable_action_or_404(number, current_user)
    form = ResearchExtractForm()
    if request.method == "GET":  # labels in the reader's language unless they choose
        form.lang.data = str(get_locale() or "en")
    catalogue = exports.prepare(db.session, action)
    if catalogue is not None and form.validate_on_submit():
        extract = research.researcher_extract(
            db.session,
            action,
            catalogue,
            secret=current_app.config["SECRET_KEY"],
            min_orgs=authz.public_audience().min_orgs,
            lang=form.lang.data or "en",
        )
        kind = form.file_format.data
        body = {
            "csv": research.csv_bytes,
            "sav": research.Extract.spss,
            "dta": research.Extract.stata,
        }[kind](extract)
        audit.record(
            db.session,
            "export.research_extract",
            user=current_user,
            obj=action,
            ip=request.remote_addr or "",
            researcher=form.researcher.data,
            purpose=form.purpose.data,
            format=kind,
            lang=form.lang.data,
            rows=len(extract.rows),
        )
        db.session.commit()
        mimetype, suffix = EXTRACT_TYPES[kind]
        name = f"tympanum-action{number:02d}-research-{utcnow():%Y-%m-%d}.{suffix}"
        return Response(
            body,
            mimetype=mimetype,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )
    return render_template(
        "exports/research.html",
        action=action,
        form=form,
        ready=catalogue is not None,
        min_orgs=authz.public_audience().min_orgs,
    ), (400 if form.errors else 200)
