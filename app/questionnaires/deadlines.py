"""Deadline administration (admins): the time zone a deadline is read in, automatic
closing, and a later deadline for one organisation (from the questionnaire's management
page or the organisation's page)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import authz
from ..authz import allowed
from ..extensions import db
from ..forms import EmptyForm
from ..loaders import get_organisation_or_404, get_questionnaire_or_404
from ..models import DeadlineExtension, Organisation, Questionnaire, organisation_actions
from ..services.responding import deadlines as deadline_service
from ..urls import is_safe_next
from . import bp
from .forms import ExtensionForm


def organisation_choices(questionnaire: Questionnaire) -> list[tuple[int, str]]:
    """The organisations asked about the questionnaire's action, by name."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(organisation_actions, organisation_actions.c.organisation_id == Organisation.id)
        .where(organisation_actions.c.action_id == questionnaire.action_id)
        .order_by(Organisation.name)
    )
    return [(org_id, name) for org_id, name in rows]


def extension_form(questionnaire: Questionnaire, **kwargs) -> ExtensionForm:
    form = ExtensionForm(**kwargs)
    form.organisation.choices = organisation_choices(questionnaire)
    return form


def _back(number: int, form_next: str | None = None) -> str:
    if form_next and is_safe_next(form_next):
        return form_next
    return url_for("questionnaires.manage", number=number, _anchor="extensions")


@bp.route("/<int:number>/extensions", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def extend(number: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    form = extension_form(questionnaire)
    target = _back(number, form.next.data)
    if not form.validate_on_submit():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        flash(_("The deadline was not extended: %(why)s", why=" ".join(problems) or "?"), "error")
        return redirect(target)
    organisation = get_organisation_or_404(form.organisation.data, current_user)
    try:
        deadline_service.extend(
            db.session,
            questionnaire,
            organisation,
            form.until.data,
            user=current_user,
            ip=request.remote_addr or "",
        )
    except deadline_service.DeadlineError as error:
        db.session.rollback()
        flash(_("The deadline was not extended: %(why)s.", why=error), "error")
        return redirect(target)
    db.session.commit()
    flash(
        _(
            "%(organisation)s may answer action %(n)s until the end of %(day)s.",
            organisation=organisation.name,
            n=number,
            day=format_date(form.until.data, "long"),
        ),
        "success",
    )
    return redirect(target)


@bp.route("/<int:number>/extensions/<int:org_id>/remove", methods=["POST"])
@allowed(authz.can_manage_questionnaires)
def remove_extension(number: int, org_id: int):
    questionnaire = get_questionnaire_or_404(number, current_user)
    organisation = get_organisation_or_404(org_id, current_user)
    form = EmptyForm()
    extension = db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.questionnaire_id == questionnaire.id,
            DeadlineExtension.organisation_id == organisation.id,
        )
    )
    if form.validate_on_submit() and extension is not None:
        deadline_service.withdraw(
            db.session, extension, user=current_user, ip=request.remote_addr or ""
        )
        db.session.commit()
        flash(
            _(
                "%(organisation)s has the questionnaire's own deadline again.",
                organisation=organisation.name,
            ),
            "success",
        )
    return redirect(_back(number, request.args.get("next")))
