"""An action's overview for admins, coordinators and its leaders: the questionnaire, how
many responses are in each state, and which organisations have answered."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import authz
from ..authz import allowed
from ..collation import collated
from ..extensions import db
from ..forms import EmptyForm
from ..loaders import get_action_or_404
from ..models import (
    ORG_KIND_LABELS,
    Organisation,
    Questionnaire,
    Response,
    ResponseState,
    organisation_actions,
)
from ..services.questionnaires import versions as questionnaire_service
from ..services.responding import deadlines as deadline_service
from ..services.responding import responses as response_service
from ..services.responding import unanswered
from . import bp


@bp.context_processor
def _merged_blueprints() -> dict[str, object]:
    # Links to blueprints merged later (exports, results) are shown only when they exist.
    return {"current_app": current_app}


@bp.route("/<int:number>")
@allowed(authz.can_see_action_overviews)
def show(number: int):
    action = get_action_or_404(number, current_user)
    questionnaire = db.session.scalar(
        select(Questionnaire).where(Questionnaire.action_id == action.id)
    )
    published = None
    counts: dict[ResponseState, int] = {}
    current: dict[int, Response] = {}
    if questionnaire is not None:
        published = questionnaire_service.published_version(db.session, questionnaire)
        counts = response_service.counts_by_state(db.session, [questionnaire.id]).get(
            questionnaire.id, {}
        )
        current = response_service.current_responses(db.session, questionnaire)
    asked = set(
        db.session.scalars(
            select(organisation_actions.c.organisation_id).where(
                organisation_actions.c.action_id == action.id
            )
        )
    )
    # Organisations asked about the action, and any that answered before being taken off.
    organisations = collated(
        db.session.scalars(select(Organisation).where(Organisation.id.in_(asked | set(current)))),
        key=lambda org: org.name,
    )
    return render_template(
        "actions/show.html",
        action=action,
        questionnaire=questionnaire,
        published=published,
        counts=counts,
        states=list(ResponseState),
        organisations=organisations,
        asked=asked,
        current=current,
        kind_labels=ORG_KIND_LABELS,
    )


PENDING_STATES = {
    "not_started": ("not_started",),
    "draft": ("draft",),
    "returned": ("returned",),
    "unanswered": ("not_started", "draft", "returned"),
}


@bp.route("/<int:number>/pending")
@allowed(authz.can_see_action_overviews)
def pending(number: int):
    """The organisations asked about the action that have not submitted (not started, in
    draft or returned), with their respondents: who to remind."""
    action = get_action_or_404(number, current_user)
    chosen = request.args.get("state", "unanswered")
    if chosen not in PENDING_STATES:
        chosen = "unanswered"
    questionnaire = db.session.scalar(
        select(Questionnaire).where(Questionnaire.action_id == action.id)
    )
    rows = unanswered.pending(db.session, action, PENDING_STATES[chosen])
    return render_template(
        "actions/pending.html",
        action=action,
        questionnaire=questionnaire,
        rows=rows,
        chosen=chosen,
        choices=list(PENDING_STATES),
        kind_labels=ORG_KIND_LABELS,
        can_remind=questionnaire is not None
        and authz.can_manage_questionnaires(current_user)
        and deadline_service.is_open(questionnaire),
        button_form=EmptyForm(),
    )
