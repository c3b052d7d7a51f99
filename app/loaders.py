"""Load one object for a view, or stop with 404 (missing) / 403 (not allowed): loading
and the access check sit together, so no view can forget the check."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from . import authz
from .extensions import db
from .models import Action, Questionnaire, Response, User


def get_response_or_404(response_id: int, user: User) -> Response:
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404)
    if not authz.can_view_response(user, response):
        abort(403)
    return response


def get_action_or_404(number: int, user: User) -> Action:
    """An action for its overview page (admins, coordinators, the action's leaders)."""
    action = db.session.scalar(select(Action).where(Action.number == number))
    if action is None:
        abort(404)
    if not authz.can_view_action_overview(user, action):
        abort(403)
    return action


def get_questionnaire_or_404(number: int, user: User) -> Questionnaire:
    """An action's questionnaire, for those who may read the action."""
    questionnaire = db.session.scalar(
        select(Questionnaire).join(Questionnaire.action).where(Action.number == number)
    )
    if questionnaire is None:
        abort(404)
    if not authz.can_view_action(user, questionnaire.action):
        abort(403)
    return questionnaire
