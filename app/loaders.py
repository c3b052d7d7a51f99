"""Load one object for a view, or stop with 404 (missing) / 403 (not allowed): loading
and the access check sit together, so no view can forget the check. Every object a URL
names is loaded here. The reasons given to ``abort`` are what the JSON API says; pages
show their standard text."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from flask import abort
from sqlalchemy import select

from . import authz
from .extensions import db
from .models import (
    Action,
    ApiToken,
    Organisation,
    OutboxMail,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseState,
    User,
)
from .services.people import api_tokens
from .services.questionnaires.versions import published_version, questionnaire_for_action
from .services.responding import responses as response_service

Administered = TypeVar("Administered", Organisation, User, OutboxMail)
MAX_ID = 2**31 - 1  # larger numbers name nothing (integer columns cannot hold them)


def _action(number: int) -> Action | None:
    if number > MAX_ID:
        return None
    return db.session.scalar(select(Action).where(Action.number == number))


# --- responses ---------------------------------------------------------------------------


def get_response_or_404(response_id: int, user: User, *, hide: bool = False) -> Response:
    """A response ``user`` may read. ``hide``: one the user may not read is answered 404
    like a missing one (the API: its ids reveal nothing), else 403."""
    response = db.session.get(Response, response_id) if response_id <= MAX_ID else None
    visible = response is not None and authz.can_view_response(user, response)
    if response is None or (hide and not visible):
        abort(404, f"There is no response {response_id} that your account can see.")
    if not visible:
        abort(403)
    return response


def get_benchmark_response_or_404(number: int, user: User) -> Response:
    """The accepted response of ``user``'s organisation to action ``number``, for its
    benchmark (the newest, when several versions were answered): 404 for no such action,
    403 when the organisation has no accepted response to it."""
    action = _action(number)
    if action is None:
        abort(404)
    response = None
    if user.organisation_id is not None:
        response = db.session.scalar(
            select(Response)
            .join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
            .where(
                Questionnaire.action_id == action.id,
                Response.organisation_id == user.organisation_id,
                Response.state == ResponseState.ACCEPTED,
            )
            .order_by(Response.accepted_at.desc(), Response.id.desc())
            .limit(1)
        )
    if response is None or not authz.can_see_benchmark(user, response):
        abort(403)
    return response


class Answering(NamedTuple):
    """A questionnaire as a respondent's organisation answers it."""

    organisation: Organisation
    questionnaire: Questionnaire
    version: QuestionnaireVersion  # the one it answers (the published one until it starts)
    response: Response | None  # None before the first save


def get_answerable_questionnaire_or_404(action_number: int, user: User) -> Answering:
    """The questionnaire of action ``action_number`` as ``user``'s organisation answers
    it. 403 unless ``user`` is a respondent whose organisation is asked about the action;
    404 when the action, its questionnaire or a published version does not exist."""
    questionnaire = questionnaire_for_action(db.session, action_number)  # with its action
    if questionnaire is not None:
        action = questionnaire.action
    else:
        found = _action(action_number)
        if found is None:
            abort(404)
        action = found
    organisation = user.organisation
    if not authz.can_respond_to_action(user, action) or organisation is None:
        abort(403)
    if questionnaire is None:
        abort(404)
    response = response_service.current_response(db.session, organisation, questionnaire)
    version = response.version if response else published_version(db.session, questionnaire)
    if version is None:
        abort(404)
    return Answering(organisation, questionnaire, version, response)


# --- actions, questionnaires, questions --------------------------------------------------


def _action_or_404(
    number: int,
    user: User,
    rule: Callable[[User, Action], bool],
    missing: str | None = None,
    refused: str | None = None,
) -> Action:
    action = _action(number)
    if action is None:
        abort(404, missing)
    if not rule(user, action):
        abort(403, refused)
    return action


def get_action_or_404(number: int, user: User) -> Action:
    """An action for its overview page (admins, coordinators, the action's leaders)."""
    return _action_or_404(number, user, authz.can_view_action_overview)


def get_visible_action_or_404(number: int, user: User) -> Action:
    """An action ``user`` may read about (its respondents too): the API's actions."""
    return _action_or_404(
        number,
        user,
        authz.can_view_action,
        missing=f"There is no action {number}; actions are numbered 1 to 11.",
        refused=f"Your account has no access to action {number}.",
    )


def get_exportable_action_or_404(number: int, user: User) -> Action:
    """An action whose responses ``user`` may export."""
    return _action_or_404(number, user, authz.can_export_action)


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


def get_editable_questionnaire_or_404(number: int, user: User) -> Questionnaire:
    """An action's questionnaire whose draft ``user`` may start and edit (the builder)."""
    questionnaire = get_questionnaire_or_404(number, user)
    if not authz.can_edit_draft(user, questionnaire.action):
        abort(403)
    return questionnaire


def get_publishable_questionnaire_or_404(number: int, user: User) -> Questionnaire:
    """An action's questionnaire whose draft ``user`` may publish (the publish page)."""
    questionnaire = get_questionnaire_or_404(number, user)
    if not authz.can_publish_draft(user, questionnaire.action):
        abort(403)
    return questionnaire


def get_version_or_404(number: int, version_number: int | None, user: User) -> QuestionnaireVersion:
    """Version ``version_number`` of an action's questionnaire (None: the published one,
    else the latest), for those who may read the action."""
    versions = get_questionnaire_or_404(number, user).versions
    if version_number is None:
        chosen = next((v for v in versions if v.status == "published"), None) or (
            versions[-1] if versions else None
        )
    else:
        chosen = next((v for v in versions if v.number == version_number), None)
    if chosen is None:
        abort(404)
    return chosen


def get_result_question_or_404(question_id: int, user: User) -> tuple[Question, int]:
    """A question and its action's number, if ``user`` may see that action's results."""
    row = db.session.execute(
        select(Question, Action.number)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Question.version_id)
        .join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .join(Action, Action.id == Questionnaire.action_id)
        .where(Question.id == question_id)
    ).first()
    if row is None:
        abort(404)
    question, number = row
    if not authz.can_see_action_results(user, number):
        abort(403)
    return question, number


# --- organisations, accounts, API tokens -----------------------------------------------


def _administered(model: type[Administered], object_id: int, user: User) -> Administered:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    if not authz.can_read_admin(user):
        abort(403)
    return found


def get_organisation_or_404(org_id: int, user: User) -> Organisation:
    """An organisation, for its administration pages (admins, coordinators)."""
    return _administered(Organisation, org_id, user)


def get_account_or_404(account_id: int, user: User) -> User:
    """Someone's account, for its administration pages (admins, coordinators)."""
    return _administered(User, account_id, user)


def get_outbox_mail_or_404(mail_id: int, user: User) -> OutboxMail:
    """A message of the outbox, for the mail page (admins, coordinators)."""
    return _administered(OutboxMail, mail_id, user)


def get_own_token_or_404(token_id: int, user: User) -> ApiToken:
    """One of ``user``'s own API tokens; anyone else's is answered 404 like a missing one."""
    token = api_tokens.get_own_token(db.session, user, token_id)
    if token is None:
        abort(404)
    return token
