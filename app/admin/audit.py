"""The audit log: filter and page through it, export it as CSV (itself audited)."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from .. import authz, collation
from ..authz import allowed
from ..database import writes_on_get
from ..extensions import db
from ..models import utcnow
from ..services import audit
from ..services.exports.csv_safe import csv_rows
from . import audit_sentences, bp
from .forms import AuditFilterForm, options
from .routes import client_ip, list_args, paginate, valid_filters

PER_PAGE = 100


def _filters() -> tuple[AuditFilterForm, audit.AuditFilters]:
    form = AuditFilterForm(request.args)
    events = sorted(
        ((e, audit_sentences.event_name(e)) for e in audit.distinct_events(db.session)),
        key=lambda choice: collation.sort_key(choice[1]),
    )
    form.event.choices = options([("", _("All events")), *events])
    object_types = sorted(
        ((t, audit_sentences.object_type_name(t)) for t in audit.distinct_object_types(db.session)),
        key=lambda choice: collation.sort_key(choice[1]),
    )
    form.object_type.choices = options([("", _("All object types")), *object_types])
    values = valid_filters(form)
    filters = audit.AuditFilters(
        event=values.get("event") or "",
        actor=values.get("actor") or "",
        object_type=values.get("object_type") or "",
        object_id=values.get("object_id") or "",
        date_from=values.get("date_from"),
        date_to=values.get("date_to") if "date_to" in values else None,
        ip=values.get("ip") or "",
    )
    return form, filters


@bp.get("/audit", endpoint="audit_log")
@allowed(authz.can_read_admin)
def audit_log_page():
    form, filters = _filters()
    page = paginate(audit.query(filters), PER_PAGE)
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        lines=audit_sentences.lines(page.items, audit.objects_named(db.session, page.items)),
        args=list_args(),
        export_args=filters.as_dict(),
    )


@bp.get("/audit.csv")
@writes_on_get
@allowed(authz.can_read_admin)
def audit_export():
    """The filtered log as CSV, streamed; the export is recorded before it starts."""
    _form, filters = _filters()
    audit.record(
        db.session, "audit.exported", user=current_user, ip=client_ip(), filters=filters.as_dict()
    )
    db.session.commit()  # the next transaction is the export's read-only one

    def generate():
        yield from csv_rows(audit.export_rows(db.session, filters), audit.EXPORT_HEADER, bom=True)
        db.session.rollback()

    filename = f"tympanum-audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
