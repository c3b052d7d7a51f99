"""Loading a respondent's questionnaire and shaping what its pages show."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask_babel import get_locale, gettext
from sqlalchemy.exc import IntegrityError

from .. import authz
from ..definitions import answers as codec
from ..definitions.model import Definition, definition_of
from ..extensions import db
from ..loaders import get_answerable_questionnaire_or_404
from ..models import (
    Action,
    Organisation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ReviewComment,
    User,
)
from ..services.responding import deadlines
from ..services.responding import responses as response_service


def page_lang() -> str:
    return str(get_locale() or "en")


def translate(message: Any) -> str:
    """A codec message (``answers.Msg``) or plain English message, in the page language."""
    if isinstance(message, codec.Msg):
        return gettext(message.msgid, **message.params)
    return gettext(str(message))


@dataclass
class Context:
    """A questionnaire as the current respondent's organisation answers it."""

    user: User
    action: Action
    questionnaire: Questionnaire
    organisation: Organisation
    version: QuestionnaireVersion
    response: Response | None

    @cached_property
    def defn(self) -> Definition:
        return definition_of(self.version)

    @cached_property
    def deadline(self) -> deadlines.Deadline:
        """The deadline that applies to this organisation (its extension, if any)."""
        return deadlines.organisation_deadline(db.session, self.questionnaire, self.organisation.id)

    @cached_property
    def changeable(self) -> bool:
        """Editable but for the deadline: open, and a draft (or returned). Worked out once
        per request (the deadline's time-zone arithmetic is not free); a request that
        changes the state (a submission) redirects rather than read it again."""
        if self.response is None:
            return deadlines.is_open(self.questionnaire)
        return authz.can_edit_response(self.user, self.response)

    @property
    def past_deadline(self) -> bool:
        """Changeable, but the deadline has passed: saves and submissions are refused
        (what the respondent types is kept in the stash)."""
        return self.changeable and self.deadline.passed

    @property
    def editable(self) -> bool:
        return self.changeable and not self.deadline.passed

    @cached_property
    def stored(self) -> tuple[dict[str, Any], dict[str, str]]:
        if self.response is None:
            return {}, {}
        return response_service.stored_values(db.session, self.response)

    def section(self, code: str) -> dict[str, Any] | None:
        return next((s for s in self.defn.sections if s["code"] == code), None)

    def comments(self) -> tuple[list[ReviewComment], dict[str, list[ReviewComment]]]:
        """The reviewer's comments while the response is back with the respondents:
        general ones, and those on each question."""
        general: list[ReviewComment] = []
        by_code: dict[str, list[ReviewComment]] = {}
        if self.response is None or self.response.state.value != "returned":
            return general, by_code
        for comment in self.response.comments:
            if comment.question_code and comment.question_code in self.defn.by_code:
                by_code.setdefault(comment.question_code, []).append(comment)
            else:
                general.append(comment)
        return general, by_code


def load_context(action_number: int, user: User) -> Context:
    """The questionnaire of action ``action_number`` for ``user``'s organisation (403 and
    404 from ``loaders.get_answerable_questionnaire_or_404``)."""
    found = get_answerable_questionnaire_or_404(action_number, user)
    questionnaire = found.questionnaire
    return Context(
        user, questionnaire.action, questionnaire, found.organisation, found.version, found.response
    )


def ensure_response(ctx: Context) -> tuple[Response, bool]:
    """The organisation's response, created on the first save; True when created now.
    Two colleagues starting at once get the same response (the second one conflicts)."""
    if ctx.response is not None:
        return ctx.response, False
    try:
        with db.session.begin_nested():
            response = response_service.start_response(
                db.session, ctx.organisation, ctx.questionnaire, ctx.user
            )
    except IntegrityError:
        raced = response_service.current_response(db.session, ctx.organisation, ctx.questionnaire)
        if raced is None:
            raise
        response = raced
        ctx.response = response
        ctx.__dict__.pop("changeable", None)  # worked out again for the colleague's response
        return response, False
    ctx.response = response
    ctx.__dict__.pop("changeable", None)
    return response, True


# --- questions on a page ----------------------------------------------------------------


def field_anchor(q: Mapping[str, Any], name: str | None = None) -> str:
    """The id of the input an error link should focus: the field itself, or the first
    choice of a group."""
    code, qtype = q["code"], q["type"]
    if name and name != code:
        if name.endswith("__other") or "__rank__" in name:
            return f"f-{name}"
        return f"f-{name}-1"  # a matrix row: its first point
    if qtype in ("single_choice", "multiple_choice"):
        return f"f-{code}-{q['options'][0]['code']}"
    if qtype == "ranking":
        return f"f-{code}__rank__{q['options'][0]['code']}"
    if qtype == "likert":
        return f"f-{code}-1"
    if qtype == "matrix":
        return f"f-{code}__{q['items'][0]['code']}-1"
    if qtype == "yes_no":
        return f"f-{code}-yes"
    return f"f-{code}"


@dataclass
class QuestionView:
    q: dict[str, Any]
    hidden: bool
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message
    comments: list[ReviewComment] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.q["code"]

    @property
    def show_if(self) -> str | None:
        cond = self.q.get("show_if")
        return json.dumps(cond, separators=(",", ":")) if cond else None

    @property
    def anchor(self) -> str:
        return field_anchor(self.q)


def question_views(
    section: Mapping[str, Any],
    shown: set[str],
    errors: Mapping[str, Any],
    comments: Mapping[str, list[ReviewComment]],
) -> list[QuestionView]:
    views = []
    for q in section["questions"]:
        code = q["code"]
        mine = {
            name: translate(message)
            for name, message in errors.items()
            if name == code or name.startswith(f"{code}__")
        }
        views.append(QuestionView(q, code not in shown, mine, comments.get(code, [])))
    return views


def error_links(views: Iterable[QuestionView]) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary, in page order."""
    links = []
    for view in views:
        if view.hidden:
            continue
        for name, message in view.errors.items():
            links.append((field_anchor(view.q, name), message))
    return links


def referenced_codes(cond: Mapping[str, Any] | None) -> set[str]:
    if not cond:
        return set()
    if "all" in cond or "any" in cond:
        return set().union(*(referenced_codes(c) for c in cond.get("all", cond.get("any", []))))
    return {cond["question"]}


def known_values(
    section: Mapping[str, Any], values: Mapping[str, Any], shown: set[str]
) -> dict[str, Any]:
    """Answers from other pages that this page's conditions read (for the script)."""
    on_page = {q["code"] for q in section["questions"]}
    wanted = set().union(*(referenced_codes(q.get("show_if")) for q in section["questions"]))
    return {
        code: values[code] for code in sorted(wanted - on_page) if code in shown and code in values
    }
