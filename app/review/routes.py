"""The review queue and the review page: admins and action leaders decide, coordinators
read. Decisions go through ``app.services.responding.review``; respondents are told by e-mail (written to the outbox with the decision)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..forms import country_choices
from ..loaders import get_response_or_404
from ..models import ORG_KIND_LABELS, Action, Organisation, Response, ResponseState
from ..requests import page_number
from ..respond import copy as respondent_copy
from ..services.mailing import messages
from ..services.responding import history as history_service
from ..services.responding import review as review_service
from ..services.responding.responses import ResponseError, definition_of
from ..urls import is_safe_next
from . import bp, presenters
from .forms import (
    BulkAcceptForm,
    QueueFilterForm,
    question_field_name,
    review_form,
)


def _lang() -> str:
    return str(get_locale() or "en")


def _filter_form() -> QueueFilterForm:
    """The queue's filter form from the query string, with the user's actions as choices."""
    scope = authz.review_scope(current_user)
    actions_query = select(Action).order_by(Action.number)
    if scope is not None:
        actions_query = actions_query.where(Action.id.in_(scope or {-1}))
    countries = db.session.scalars(
        select(Organisation.country).distinct().order_by(Organisation.country)
    )
    form = QueueFilterForm(formdata=request.args)
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(str(a.number), f"{a.number}. {a.text('short_title', _lang())}")
        for a in db.session.scalars(actions_query)
    ]
    form.country.choices = country_choices(_lang(), _("All countries"), countries)
    form.validate()  # invalid fields are shown and ignored
    return form


@bp.route("/")
@allowed(authz.can_see_review_queue)
def queue():
    form = _filter_form()
    filters = form.to_filters(page=page_number())
    page = review_service.queue(db.session, filters, action_ids=authz.review_scope(current_user))
    can_decide = {r.id: authz.can_review_response(current_user, r) for r in page.items}
    return render_template(
        "review/queue.html",
        form=form,
        filters=filters,
        page=page,
        states=list(ResponseState),
        bulk_form=BulkAcceptForm(next=request.full_path),
        can_decide=can_decide,
        can_bulk=any(can_decide.values()),
        kind_labels=ORG_KIND_LABELS,
    )


@bp.route("/bulk-accept", methods=["POST"])
@allowed(authz.can_review)
def bulk_accept():
    form = BulkAcceptForm()
    target = form.next.data if is_safe_next(form.next.data) else url_for("review.queue")
    if not form.validate_on_submit():
        flash(_("The selection could not be read: tick the responses again."), "error")
        return redirect(target)
    ids = sorted(set(form.response_ids.data or []))
    if not ids:
        flash(_("Tick the responses to accept first."), "warning")
        return redirect(target)
    found = {r.id: r for r in db.session.scalars(select(Response).where(Response.id.in_(ids)))}
    allowed = [r for i, r in found.items() if authz.can_review_response(current_user, r)]
    report = review_service.bulk_accept(
        db.session, allowed, user=current_user, ip=request.remote_addr or ""
    )
    hidden = len(ids) - len(allowed)
    for response in report.accepted:
        messages.decision(db.session, response, ResponseState.ACCEPTED, response.review_note, [])
    db.session.commit()
    if report.accepted:
        flash(
            ngettext(
                "%(num)s response accepted.", "%(num)s responses accepted.", len(report.accepted)
            ),
            "success",
        )
    for label, why in report.skipped:
        flash(_("Skipped %(label)s: %(why)s.", label=label, why=why), "warning")
    if hidden:
        flash(
            ngettext(
                "Skipped %(num)s response you cannot review (or that no longer exists).",
                "Skipped %(num)s responses you cannot review (or that no longer exist).",
                hidden,
            ),
            "warning",
        )
    return redirect(target)


@bp.route("/<int:response_id>", methods=["GET", "POST"])
@allowed(authz.can_see_review_queue)
def show(response_id: int):
    response = get_response_or_404(response_id, current_user)
    can_decide = authz.can_review_response(current_user, response)
    if request.method == "POST" and not can_decide:
        abort(403)
    data = presenters.submission(db.session, response, _lang())
    form = review_form(data.codes)
    if request.method == "GET":
        form.lock_version.data = str(response.lock_version)
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        try:
            expected = int(form.lock_version.data or "")
        except ValueError:
            expected = None
        try:
            decision = review_service.review(
                db.session,
                response,
                form.decision.data,
                user=current_user,
                overall_comment=form.comment.data or "",
                question_comments={
                    code: form[question_field_name(code)].data or "" for code in data.codes
                },
                expected_lock=expected,
                ip=request.remote_addr or "",
            )
        except ResponseError as error:
            db.session.rollback()
            errors.append(("comment", _("The decision was not saved: %(why)s.", why=error)))
        else:
            messages.decision(
                db.session,
                response,
                ResponseState(decision.event.to_state),
                response.review_note,
                decision.comments,
            )
            db.session.commit()
            flash(
                _(
                    "Response %(ref)s is now %(state)s.",
                    ref=response.reference,
                    state=_(response.state.value),
                ),
                "success",
            )
            return redirect(url_for("review.show", response_id=response.id))
    elif form.is_submitted() and form.csrf_token.errors:
        errors.append(("", _("The form expired: reload the page and try again.")))
    return render_template(
        "review/show.html",
        response=response,
        submission=data,
        organisation=presenters.organisation_facts(response, _lang()),
        form=form,
        field_name=question_field_name,
        errors=errors,
        can_decide=can_decide and response.state == ResponseState.SUBMITTED,
        events=response.events,
    ), (400 if errors or form.errors else 200)


@bp.route("/<int:response_id>/history")
@allowed(authz.can_see_review_queue)
def history(response_id: int):
    """Every change of the response's answers (one question's with ?q=code)."""
    response = get_response_or_404(response_id, current_user)
    code = request.args.get("q") or None
    changes = history_service.changes(db.session, response, code)
    return render_template(
        "review/history.html",
        response=response,
        question=code,
        changes=history_service.readable(definition_of(response), changes, _lang()),
    )


@bp.route("/<int:response_id>/copy.<any(pdf, csv):fmt>")
@allowed(authz.can_see_review_queue)
def copy_download(response_id: int, fmt: str):
    """The submitted answers as the respondents get them (PDF or CSV, ?lang=de)."""
    response = get_response_or_404(response_id, current_user)
    if response.submitted_at is None:
        abort(404)  # never submitted: no copy
    return respondent_copy.download(db.session, response, fmt, request.args.get("lang"))
