"""Shared data for the export and API tests: the example questionnaire in two versions
and a fixed set of responses covering every layout problem (see ``golden_responses``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from app.definitions.validate import validate_file, validate_text
from app.extensions import db
from app.models import (
    Answer,
    Organisation,
    OrgKind,
    Question,
    Questionnaire,
    Response,
    ResponseState,
    SizeBand,
)
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice
from tests.test_definitions_validate import EXAMPLE

INJECTION = '=HYPERLINK("http://evil.example/","click")'


def version_two_yaml() -> str:
    """The example with data_source removed, a question and an option added."""
    source = EXAMPLE.read_text(encoding="utf-8")
    start = source.index("      - code: data_source")
    end = source.index("  - code: needs")
    source = source[:start] + source[end:]
    source = source.replace(
        "          - {code: taxes, label: Tourist taxes, score: 0.5}\n",
        "          - {code: taxes, label: Tourist taxes, score: 0.5}\n"
        "          - {code: licences, label: {en: Licences, de: Lizenzen}, score: 1}\n",
    )
    anchor = "      - code: effects\n"
    visitors = (
        "      - code: visitors\n"
        "        type: number\n"
        "        label: How many visitors per year (thousands)?\n"
        "        min: 0\n"
    )
    return source.replace(anchor, visitors + anchor)


def publish_example(version_two: bool = False) -> Questionnaire:
    result = validate_file(EXAMPLE) if not version_two else validate_text(version_two_yaml())
    assert result.ok, result.errors
    outcome = qservice.import_definition(db.session, result)
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return outcome.version.questionnaire


def org(name: str, kind: OrgKind, country: str, size: SizeBand | None = None) -> Organisation:
    organisation = Organisation(name=name, kind=kind, country=country, size_band=size)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_response(
    questionnaire: Questionnaire,
    organisation: Organisation,
    values: dict,
    other: dict | None = None,
    *,
    state: ResponseState = ResponseState.ACCEPTED,
    reference: str | None = None,
    submitted: datetime | None = None,
    accepted: datetime | None = None,
) -> Response:
    response = rservice.start_response(db.session, organisation, questionnaire, None)
    rservice.save_answers(db.session, response, values, other or {}, user=None, expected_lock=None)
    if state != ResponseState.DRAFT:
        rservice.submit(db.session, response, user=None)
        db.session.refresh(response)
    if state == ResponseState.ACCEPTED:
        rservice.transition(db.session, response, ResponseState.ACCEPTED, user=None)
    if reference:
        response.reference = reference
    if submitted:
        response.submitted_at = submitted
    if accepted or state == ResponseState.ACCEPTED:
        response.accepted_at = accepted or submitted
    db.session.commit()
    return response


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def golden_responses() -> Questionnaire:
    """Three submitted responses over two versions, and one draft (never exported).

    1 (v1, accepted): multiple choice with "other" in Greek, Cyrillic and an emoji, a
      phone number starting with +, a formula in a short text, newlines and quotes.
    2 (v2, accepted): the regulation questions hidden by a condition, "other" starting
      with -, a text starting with @ and one starting with a tab, "don't know".
    3 (v2, submitted): the needs section hidden, an "other" text starting with a CR.
    """
    questionnaire = publish_example()
    a = org("Stadt A", OrgKind.CITY, "DE", SizeBand.LARGE)
    b = org("Περιφέρεια Β", OrgKind.REGION, "GR")
    c = org("Ville C 🦁", OrgKind.CITY, "FR", SizeBand.MEDIUM)
    d = org("Draft D", OrgKind.NGO, "IT")
    make_response(
        questionnaire,
        a,
        {
            "org_role": "other",
            "org_relevance": "4",
            "org_country": "DE",
            "has_regulation": "yes",
            "regulation_since": "2019-05-01",
            "measures": ["caps", "other"],
            "caps_nights": "60",
            "rentals_share": "12.5",
            "effects": {"housing": "4", "heritage": "dk"},
            "data_source": "platforms",
            "priorities": ["knowledge", "regulation", "funding"],
            "example_name": INJECTION,
            "recommendations": 'Line one, with a comma\nLine two with "quotes"\nΕλλάδα · Москва 🏛',
        },
        {"org_role": "+49 30 1234", "measures": "Ζώνες — Зоны 🏛"},
        reference="T01-GOLD01",
        submitted=at(2, 9, 30),
        accepted=at(3, 10),
    )
    publish_example(version_two=True)
    make_response(
        questionnaire,
        b,
        {
            "org_role": "other",
            "org_relevance": "dk",
            "org_country": "GR",
            "has_regulation": "no",
            "measures": ["caps"],  # hidden by has_regulation = no: dropped on save
            "rentals_share": "0",
            "visitors": "1200",
            "effects": {"housing": "5", "heritage": "3"},
            "priorities": ["funding", "knowledge", "regulation"],
            "example_name": "@SUM(A1:A9)",
            "recommendations": "\tTab first\r\nthen a Windows line break",
        },
        {"org_role": "-minus first"},
        reference="T01-GOLD02",
        submitted=at(10, 14),
        accepted=at(11, 8),
    )
    make_response(
        questionnaire,
        c,
        {
            "org_role": "external",
            "org_relevance": "2",
            "org_country": "FR",
            "has_regulation": "yes",
            "measures": ["registration", "licences", "other"],
            "rentals_share": "3.75",
            "priorities": ["regulation", "funding", "knowledge"],  # hidden section
        },
        {"measures": "\rCarriage return first"},
        state=ResponseState.SUBMITTED,
        reference="T01-GOLD03",
        submitted=at(20, 8),
    )
    make_response(
        questionnaire,
        d,
        {"org_role": "external", "example_name": "draft only"},
        state=ResponseState.DRAFT,
        reference="T01-GOLD04",
    )
    return questionnaire


def bulk_responses(questionnaire: Questionnaire, count: int, *, start: int = 0) -> list[int]:
    """``count`` accepted responses on the published version, inserted in bulk (fast):
    organisation ``Org NNNNN``, answers to org_role, org_relevance and recommendations
    (which holds the response's ordinal, so a test can check order and completeness)."""
    version = qservice.published_version(db.session, questionnaire)
    codes = ("org_role", "org_relevance", "recommendations")
    qids = dict(
        db.session.execute(
            select(Question.code, Question.id).where(
                Question.version_id == version.id, Question.code.in_(codes)
            )
        ).all()
    )
    now = at(25)
    orgs = [
        {
            "name": f"Org {start + n:05d}",
            "kind": "ngo",
            "country": "BE",
            "active": True,
            "created_at": now,
        }
        for n in range(count)
    ]
    db.session.execute(insert(Organisation), orgs)
    org_ids = db.session.scalars(
        select(Organisation.id)
        .where(Organisation.name.in_([o["name"] for o in orgs]))
        .order_by(Organisation.name)
    ).all()
    db.session.execute(
        insert(Response),
        [
            {
                "questionnaire_id": questionnaire.id,
                "version_id": version.id,
                "organisation_id": org_id,
                "state": "accepted",
                "reference": f"T01-B{start + n:06d}",
                "lock_version": 1,
                "created_at": now,
                "updated_at": now,
                "submitted_at": now,
                "accepted_at": now,
            }
            for n, org_id in enumerate(org_ids)
        ],
    )
    ids = db.session.scalars(
        select(Response.id)
        .where(Response.organisation_id.in_(org_ids))
        .order_by(Response.reference)
    ).all()
    db.session.execute(
        insert(Answer),
        [
            {
                "response_id": rid,
                "question_id": qids[code],
                "item": "",
                "value": value,
                "other_text": None,
                "score": None,
            }
            for n, rid in enumerate(ids)
            for code, value in (
                ("org_role", "action_member"),
                ("org_relevance", str(1 + n % 5)),
                ("recommendations", f"row {start + n}"),
            )
        ],
    )
    db.session.commit()
    return list(ids)
