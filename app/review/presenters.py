"""What the review page shows: a response's answers by section in readable form, with the
reviewers' comments beside each question, and the organisation's details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ..countries import country_name
from ..definitions import answers as answer_codec
from ..definitions.model import text
from ..labels import answer_text
from ..models import ORG_KIND_LABELS, SIZE_BAND_LABELS, Response, ReviewComment
from ..services.responding import history as history_service
from ..services.responding.responses import definition_of, stored_values
from ..services.responding.review import comments_by_question


@dataclass
class QuestionView:
    code: str
    label: str
    qtype: str
    required: bool
    answer: str  # readable; "" when not answered
    comments: list[ReviewComment] = field(default_factory=list)
    history: history_service.Summary | None = None  # None: never changed after the start


@dataclass
class SectionView:
    code: str
    title: str
    questions: list[QuestionView]


@dataclass
class Submission:
    sections: list[SectionView]
    general_comments: list[ReviewComment]  # comments not tied to a question

    @property
    def codes(self) -> list[str]:
        return [q.code for s in self.sections for q in s.questions]


def submission(session: Session, response: Response, lang: str) -> Submission:
    """The questions shown to the respondents (given their answers), each with its answer
    and comments. Questions hidden by a condition are left out unless commented on."""
    definition = definition_of(response)
    values, other = stored_values(session, response)
    shown = answer_codec.visible_codes(definition, values)
    comments = comments_by_question(response)
    changed = history_service.summaries(session, response)
    sections = []
    for section in definition.sections:
        questions = [
            QuestionView(
                code=q["code"],
                label=text(q["label"], lang),
                qtype=q["type"],
                required=bool(q.get("required")),
                answer=answer_text(q, values.get(q["code"]), other.get(q["code"]), lang),
                comments=comments.get(q["code"], []),
                history=changed.get(q["code"]),
            )
            for q in section["questions"]
            if q["code"] in shown or q["code"] in comments
        ]
        if questions:
            sections.append(SectionView(section["code"], text(section["title"], lang), questions))
    general = [
        c for code, group in comments.items() if code not in definition.by_code for c in group
    ]
    return Submission(sections, general)


def question_labels(response: Response, lang: str = "en") -> dict[str, str]:
    return {code: text(q["label"], lang) for code, q in definition_of(response).by_code.items()}


def organisation_facts(response: Response, lang: str = "en") -> dict[str, Any]:
    """The organisation as the response recorded it at submission (what the results count
    it as; today's values before the first submission), and whether it changed since."""
    org = response.organisation
    now = (org.name, org.kind, org.country, org.size_band)
    recorded = (response.org_name, response.org_kind, response.org_country, response.org_size_band)
    name, kind, code, size = recorded if response.org_kind is not None else now
    return {
        "name": name,
        "kind": ORG_KIND_LABELS.get(kind, kind) if kind is not None else None,
        "country": f"{country_name(code, lang)} ({code})" if code else None,
        "size_band": SIZE_BAND_LABELS.get(size) if size else None,
        "recorded": response.org_kind is not None,
        "changed_since": response.org_kind is not None and recorded != now,
    }
