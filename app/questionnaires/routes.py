"""Read-only questionnaire pages: the 11 questionnaires, their versions, questions,
options, conditions and theme weights."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import authz
from ..authz import role_required
from ..definitions.model import Definition
from ..extensions import db
from ..models import Action, Question, Questionnaire, QuestionnaireVersion, Role, Theme
from . import bp
from .describe import describe_condition

READERS = (Role.ADMIN, Role.COORDINATOR, Role.LEADER)


@bp.route("/")
@role_required(*READERS)
def index():
    questionnaires = db.session.scalars(
        select(Questionnaire)
        .join(Questionnaire.action)
        .options(selectinload(Questionnaire.versions))
        .order_by(Action.number)
    ).all()
    visible = [q for q in questionnaires if authz.can_view_action(current_user, q.action)]
    counts = dict(
        db.session.execute(
            select(Question.version_id, func.count(Question.id)).group_by(Question.version_id)
        ).all()
    )
    return render_template("questionnaires/index.html", questionnaires=visible, counts=counts)


def _version_or_404(number: int, version_number: int | None) -> QuestionnaireVersion:
    questionnaire = db.session.scalar(
        select(Questionnaire).join(Questionnaire.action).where(Action.number == number)
    )
    if questionnaire is None:
        abort(404)
    if not authz.can_view_action(current_user, questionnaire.action):
        abort(403)
    versions = questionnaire.versions
    if version_number is None:
        chosen = next((v for v in versions if v.status == "published"), None) or (
            versions[-1] if versions else None
        )
    else:
        chosen = next((v for v in versions if v.number == version_number), None)
    if chosen is None:
        abort(404)
    return chosen


@bp.route("/<int:number>")
@bp.route("/<int:number>/v<int:version_number>")
@role_required(*READERS)
def show(number: int, version_number: int | None = None):
    version = _version_or_404(number, version_number)
    themes = {t.key: t for t in db.session.scalars(select(Theme).order_by(Theme.position))}
    definition = Definition(version.definition)
    fed = sorted(
        {key for q in definition.questions() for key in _theme_keys(q)},
        key=lambda k: themes[k].position,
    )
    return render_template(
        "questionnaires/show.html",
        version=version,
        questionnaire=version.questionnaire,
        definition=definition,
        themes=themes,
        fed=fed,
        describe_condition=describe_condition,
    )


def _theme_keys(question: dict) -> set[str]:
    keys = set(question.get("themes", {}))
    for item in question.get("items", []):
        keys |= set(item.get("themes", {}))
    return keys
