"""Read-only JSON endpoints. Each answers with what the token's user may see
(``app.authz``); lists of responses use cursor pagination over response ids."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NoReturn

from flask import Response, abort, current_app, jsonify, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import authz
from ..authz import (
    can_administer,
    can_export_action,
    can_view_action,
    results_audience,
)
from ..days import parse_day
from ..extensions import db
from ..loaders import get_response_or_404, get_visible_action_or_404
from ..models import (
    Action,
    Answer,
    Organisation,
    OrgKind,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from ..models import Response as ResponseRow
from ..services.exports import ExportOptionError, Filters, StateFilter
from . import bp
from .auth import api_user, authenticate_request
from .openapi import document
from .serialise import (
    action_json,
    answer_json,
    response_json,
    scope_json,
    user_json,
    version_json,
)

DEFAULT_LIMIT, MAX_LIMIT = 100, 500


@bp.before_request
def _authenticate() -> None:
    if request.endpoint != "api.openapi":
        authenticate_request()


def api_error(status: int, message: str) -> Response:
    titles = {400: "Bad request", 403: "Not allowed", 404: "Not found"}
    response = jsonify({"error": titles[status], "message": message, "status": status})
    response.status_code = status
    return response


def fail(status: int, message: str) -> NoReturn:
    abort(api_error(status, message))


@bp.errorhandler(403)
@bp.errorhandler(404)
def _refused(error: HTTPException) -> Response:
    """A refusal by a view's rule or a loader (``abort(403|404, why)``), as the API's JSON."""
    return api_error(error.code or 500, str(error.description))


def api_allowed(rule: authz.Rule, refusal: str = "Your account has no access to this.") -> Any:
    """``authz.allowed`` for the API: the rule is asked about the token's user (every view
    but openapi.json authenticates first, with its JSON 401), a refusal is a JSON 403."""
    return authz.allowed(rule, user=api_user, refusal=refusal)


@bp.route("/openapi.json")
def openapi():
    return jsonify(document())


@bp.route("/me")
@api_allowed(authz.is_logged_in)
def me():
    return jsonify(user_json(api_user()))


# --- actions and questionnaire versions -------------------------------------------------


def _questionnaires() -> dict[int, tuple[Questionnaire, int | None]]:
    rows = db.session.execute(
        select(Questionnaire, QuestionnaireVersion.number).outerjoin(
            QuestionnaireVersion,
            (QuestionnaireVersion.questionnaire_id == Questionnaire.id)
            & (QuestionnaireVersion.status == VersionStatus.PUBLISHED),
        )
    ).all()
    return {q.action_id: (q, number) for q, number in rows}


@bp.route("/actions")
@api_allowed(authz.is_logged_in)
def actions():
    user = api_user()
    questionnaires = _questionnaires()
    data = [
        action_json(action, *questionnaires.get(action.id, (None, None)))
        for action in db.session.scalars(select(Action).order_by(Action.number))
        if can_view_action(user, action)
    ]
    return jsonify({"data": data})


@bp.route("/actions/<int:number>")
@api_allowed(authz.is_logged_in)
def action(number: int):
    found = get_visible_action_or_404(number, api_user())
    return jsonify(action_json(found, *_questionnaires().get(found.id, (None, None))))


def _versions(action: Action) -> list[QuestionnaireVersion]:
    statement = (
        select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(Questionnaire.action_id == action.id)
        .order_by(QuestionnaireVersion.number)
    )
    if not can_administer(api_user()):  # drafts are the administrators' work in progress
        statement = statement.where(QuestionnaireVersion.status != VersionStatus.DRAFT)
    return list(db.session.scalars(statement))


@bp.route("/actions/<int:number>/versions")
@api_allowed(authz.is_logged_in)
def versions(number: int):
    found = get_visible_action_or_404(number, api_user())
    return jsonify({"data": [version_json(v) for v in _versions(found)]})


@bp.route("/actions/<int:number>/versions/<int:version>")
@api_allowed(authz.is_logged_in)
def version(number: int, version: int):
    found = get_visible_action_or_404(number, api_user())
    match = next((v for v in _versions(found) if v.number == version), None)
    if match is None:
        fail(404, f"Action {number}'s questionnaire has no version {version} you can see.")
    return jsonify(version_json(match, definition=True))


# --- responses ----------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tympanum.api.cursor")


def encode_cursor(last_id: int) -> str:
    return str(_serializer().dumps(last_id))


def decode_cursor(cursor: str) -> int:
    try:
        value = _serializer().loads(cursor)
    except BadSignature:
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(400, "The cursor is not valid: use next_cursor from the previous page as it is.")
    return value


def _date(name: str) -> date | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ValueError:
        fail(400, f"{name} must be a date written YYYY-MM-DD, e.g. 2026-11-27.")
    return None


def _filters(organisation_id: int | None) -> Filters:
    args = request.args
    state = args.get("state", StateFilter.ACCEPTED.value)
    if state not in {s.value for s in StateFilter}:
        fail(400, "state must be accepted, submitted or all.")
    kind = args.get("org_kind") or None
    if kind is not None and kind not in {k.value for k in OrgKind}:
        fail(400, f"org_kind must be one of {', '.join(k.value for k in OrgKind)}.")
    country = args.get("country") or None
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        fail(400, "country must be an ISO 3166-1 alpha-2 code, e.g. DE.")
    try:
        return Filters(
            state=StateFilter(state),
            submitted_from=_date("submitted_from"),
            submitted_to=_date("submitted_to"),
            org_kind=kind,
            country=country,
            organisation_id=organisation_id,
        )
    except ExportOptionError as error:
        fail(400, str(error)[0].upper() + str(error)[1:] + ".")
    raise AssertionError("unreachable")


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        fail(400, f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


@bp.route("/actions/<int:number>/responses")
@api_allowed(authz.is_logged_in)
def responses(number: int):
    user = api_user()
    found = get_visible_action_or_404(number, user)
    if can_export_action(user, found):
        organisation_id = None
    elif authz.can_respond(user) and user.organisation_id is not None:
        organisation_id = user.organisation_id  # respondents: their organisation's only
    else:
        fail(403, f"Your account cannot list the responses to action {number}.")
    filters, limit = _filters(organisation_id), _limit()
    after = decode_cursor(request.args["cursor"]) if request.args.get("cursor") else 0
    rows = db.session.execute(
        select(ResponseRow, QuestionnaireVersion.number, Organisation)
        .join(Questionnaire, Questionnaire.id == ResponseRow.questionnaire_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == ResponseRow.version_id)
        .join(Organisation, Organisation.id == ResponseRow.organisation_id)
        .where(Questionnaire.action_id == found.id, ResponseRow.id > after, *filters.conditions())
        .order_by(ResponseRow.id)
        .limit(limit + 1)
    ).all()
    page = rows[:limit]
    data = [response_json(r, found.number, v, org) for r, v, org in page]
    next_cursor = encode_cursor(page[-1][0].id) if len(rows) > limit else None
    return jsonify({"data": data, "next_cursor": next_cursor})


@bp.route("/responses/<int:response_id>")
@api_allowed(authz.is_logged_in)
def response(response_id: int):
    found = get_response_or_404(response_id, api_user(), hide=True)  # "not yours" reads 404
    answers = db.session.execute(
        select(Question.code, Answer.item, Answer.value, Answer.other_text, Answer.score)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id == found.id)
        .order_by(Question.position, Answer.id)
    ).all()
    body: dict[str, Any] = response_json(
        found, found.questionnaire.action.number, found.version.number, found.organisation
    )
    body["answers"] = [answer_json(*row) for row in answers]
    return jsonify(body)


# --- results ---------------------------------------------------------------------------


@bp.route("/results/themes")
@api_allowed(authz.can_see_results, "Your account has no access to the results.")
def theme_results():
    """The five themes' scores, as `flask results themes --format json` prints them."""
    from ..services.exports import figures
    from ..services.results import aggregation
    from .openapi import RESULT_DIMENSIONS

    user = api_user()
    state = request.args.get("state", "accepted")
    if state not in ("accepted", "submitted"):
        fail(400, "state must be accepted or submitted.")
    wanted = [d for d in request.args.get("by", "").split(",") if d]
    unknown = [d for d in wanted if d not in RESULT_DIMENSIONS]
    if unknown:
        fail(400, f"Unknown breakdown {unknown[0]!r}: use {', '.join(RESULT_DIMENSIONS)}.")
    kind = request.args.get("org_kind", "")
    if kind and kind not in {k.value for k in OrgKind}:
        fail(400, f"org_kind must be one of {', '.join(k.value for k in OrgKind)}.")
    country = request.args.get("country", "").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        fail(400, "country must be a two-letter ISO 3166-1 code.")
    audience = results_audience(user)  # leaders: their actions only, small cells hidden
    filters = aggregation.Filters(
        audience,
        include_submitted=state == "submitted",
        kinds=(kind,) if kind else (),
        countries=(country,) if country else (),
    )
    db.session.rollback()  # end the token check's transaction: the rest only reads
    db.session.connection(execution_options={"sqlite_deferred": True})
    scores, by = aggregation.figures(db.session, filters, tuple(dict.fromkeys(wanted)))
    db.session.rollback()
    return jsonify(
        {
            "data": figures.figures_json(scores, list(by.values())),
            "filters": {
                "state": state,
                "by": wanted,
                "org_kind": kind or None,
                "country": country or None,
            },
            "scope": scope_json(audience),
        }
    )
