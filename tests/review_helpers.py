"""Set-up shared by the review, action page and questionnaire administration tests:
questionnaires from docs/example-questionnaire.yaml, responses in a given state, all
made through the services as the application makes them."""

from __future__ import annotations

from sqlalchemy import select

from app.definitions.validate import validate_text
from app.extensions import db
from app.models import AuditEntry, Organisation, Questionnaire, Response, ResponseState, User
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice
from app.services.responding import review as review_service
from tests.test_definitions_validate import EXAMPLE

COMPLETE = {
    "org_role": "action_leader",
    "org_relevance": "4",
    "org_country": "DE",
    "has_regulation": "yes",
    "measures": ["caps"],
    "caps_nights": "60",
}


def example_text(action: int = 1) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    if action != 1:
        text = text.replace("action: 1\n", f"action: {action}\n", 1)
        text = text.replace("code: a01_example", f"code: a{action:02d}_example", 1)
    return text


def publish_example(action: int = 1) -> Questionnaire:
    result = validate_text(example_text(action), "example.yaml")
    assert result.ok, result.errors
    outcome = qservice.import_definition(db.session, result)
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return outcome.version.questionnaire


def make_response(
    questionnaire: Questionnaire,
    organisation: Organisation,
    state: ResponseState | str = ResponseState.SUBMITTED,
    *,
    respondent: User | None = None,
    reviewer: User | None = None,
) -> Response:
    """A response of ``organisation`` in ``state`` (reviewed by ``reviewer`` if needed)."""
    state = ResponseState(state)
    response = rservice.start_response(db.session, organisation, questionnaire, respondent)
    rservice.save_answers(db.session, response, COMPLETE, {}, user=respondent, expected_lock=None)
    if state != ResponseState.DRAFT:
        rservice.submit(db.session, response, user=respondent)
    decisions = {
        ResponseState.ACCEPTED: ("accept", ""),
        ResponseState.RETURNED: ("return", "Please revise"),
        ResponseState.REJECTED: ("reject", "Out of scope"),
    }
    if state in decisions:
        decision, comment = decisions[state]
        review_service.review(
            db.session, response, decision, user=reviewer, overall_comment=comment
        )
    db.session.commit()
    return response


def audit_events(event: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if event:
        query = query.where(AuditEntry.event == event)
    return list(db.session.scalars(query))


class Outbox:
    """The messages written to the outbox so far, as (to, subject, body), oldest first:
    read afresh each time it is looked at."""

    def _rows(self) -> list[tuple[str, str, str]]:
        from app.models import OutboxMail

        db.session.commit()
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))
        return [(m.to_address, m.subject, m.body) for m in rows]

    def __iter__(self):
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __getitem__(self, index):
        return self._rows()[index]

    def __eq__(self, other) -> bool:
        return self._rows() == list(other)


def capture_mail(monkeypatch=None) -> Outbox:
    """The e-mails written to the outbox (the worker is not run), as (to, subject, body)."""
    return Outbox()
