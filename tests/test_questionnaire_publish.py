"""Publishing a new version (issue 15): submitted and reviewed responses stay pinned to
their version; responses being filled in move to the new one keeping every answer that
still fits, and their respondents are told once which answers could not be kept."""

from __future__ import annotations

import copy

from sqlalchemy import select

from app.definitions.validate import validate_text
from app.extensions import db
from app.models import Action, Answer, Question, ResponseState
from app.services.questionnaires import publishing
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice
from tests.review_helpers import audit_events, example_text, make_response, publish_example


def _second_version() -> str:
    text = example_text(1)
    text = text.replace(
        "label: Do you regulate short-term rentals?",
        "label: Do you regulate short-term rentals in your city?",
    )
    text = text.replace(
        "        points: 5\n        labels: {low: Not relevant",
        "        points: 3\n        labels: {low: Not relevant",
        1,
    )
    text = text.replace(
        "      - code: org_country\n        type: country\n"
        "        label: In which country is your organisation based?\n        required: true\n",
        "",
    )
    text = text.replace(
        "        min: 0\n        max: 365\n", "        min: 0\n        max: 30\n", 1
    )
    return text


def _import(text: str):
    result = validate_text(text, "v2.yaml")
    assert result.ok, [str(e) for e in result.errors]
    return qservice.import_definition(db.session, result).version


def _codes(response) -> set[str]:
    return set(
        db.session.scalars(
            select(Question.code).join(Answer.question).where(Answer.response_id == response.id)
        )
    )


def test_publish_migrates_drafts(client, login_as, db, orgs, users):
    questionnaire = publish_example(1)
    started = make_response(questionnaire, orgs["A"], "draft", respondent=users["respondent_a"])
    submitted = make_response(questionnaire, orgs["B"], "submitted")
    v1 = started.version
    assert _codes(started) >= {"org_relevance", "org_country", "caps_nights", "measures"}
    draft = _import(_second_version())
    db.session.commit()

    # The publish page says what will happen before anything does.
    login_as("admin")
    page = client.get("/questionnaires/1/publish").get_data(as_text=True)
    assert "Submitted and reviewed responses stay on the version they answered" in page
    assert started.reference in page and submitted.reference not in page
    row = page[page.index(started.reference) :].split("</tr>")[0]
    for code in ("org_relevance", "org_country", "caps_nights"):
        assert code in row
    assert "the question was removed" in row
    assert "<del>Do you regulate short-term rentals?</del>" in page

    response = client.post_form(
        "/questionnaires/1/publish", {"confirm": "y"}, page="/questionnaires/1/publish"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert submitted.version_id == v1.id  # pinned
    assert started.version_id == draft.id and started.state == ResponseState.DRAFT
    assert _codes(started) == {"org_role", "has_regulation", "measures"}
    values, _ = rservice.stored_values(db.session, started)
    assert values["measures"] == ["caps"] and values["org_role"] == "action_leader"
    notice = started.version_notice
    assert (notice["from"], notice["to"], notice["kept"]) == (1, 2, 3)
    reasons = {d["code"]: d["reason"] for d in notice["dropped"]}
    assert reasons == {"org_relevance": "value", "org_country": "removed", "caps_nights": "value"}
    [entry] = audit_events("questionnaire.published")
    assert entry.details["number"] == 2
    assert entry.details["moved"] == [
        {
            "reference": started.reference,
            "kept": 3,
            "dropped": ["org_relevance", "org_country", "caps_nights"],
        }
    ]
    assert entry.details["pinned"] == {"submitted": 1}

    # The respondents are told, until they read it, with the answers that could not be kept.
    login_as("respondent_a")
    first = client.get("/respond/1/").get_data(as_text=True)
    assert "This questionnaire has changed" in first
    assert "How relevant is the topic to your daily work?" in first
    assert "60 nights" in first and "Germany" in first
    assert "the question was removed" in first
    assert "This questionnaire has changed" in client.get(
        "/respond/1/section/organisation"
    ).get_data(as_text=True)
    client.post_form("/respond/1/version-notice/dismiss", {}, page="/respond/1/")
    again = client.get("/respond/1/").get_data(as_text=True)
    assert "This questionnaire has changed" not in again
    db.session.expire_all()
    assert started.version_notice is None


def test_carry_answers_drops_what_no_longer_applies():
    old = validate_text(example_text(1), "v1.yaml").definition
    new = copy.deepcopy(old)
    practice = new["sections"][1]["questions"]
    measures = next(q for q in practice if q["code"] == "measures")
    measures["show_if"] = {"question": "has_regulation", "equals": "no"}
    has_regulation = next(q for q in practice if q["code"] == "has_regulation")
    has_regulation["type"] = "single_choice"
    has_regulation["options"] = [{"code": "yes", "label": {"en": "Yes"}}]
    has_regulation["other"] = False
    from app.definitions.model import Definition

    kept, _, dropped = publishing.carry_answers(
        Definition(old),
        Definition(new),
        {"org_role": "other", "has_regulation": "yes", "measures": ["caps"], "caps_nights": "60"},
        {"org_role": "A network"},
    )
    assert kept == {"org_role": "other"}
    assert {d.code: d.reason for d in dropped} == {
        "has_regulation": "type",
        "measures": "hidden",
        "caps_nights": "hidden",
    }


def test_publishing_refuses_a_draft_with_problems(runner, db):
    questionnaire = publish_example(1)
    draft = _import(_second_version())
    broken = copy.deepcopy(draft.definition)
    broken["sections"][1]["questions"][0]["show_if"] = {"question": "nowhere", "equals": "x"}
    draft.definition = broken
    db.session.commit()
    result = runner.invoke(args=["questionnaires", "publish", "1"])
    assert result.exit_code == 2
    assert "validation problem" in result.output and "nowhere" in result.output
    db.session.expire_all()
    assert qservice.published_version(db.session, questionnaire).number == 1


def test_an_organisation_with_two_old_drafts_moves_only_the_newest(db, orgs):
    questionnaire = publish_example(1)
    first = make_response(questionnaire, orgs["A"], "draft")
    _import(_second_version())
    qservice.publish(db.session, questionnaire)  # as before drafts moved: first stays on v1
    second = make_response(questionnaire, orgs["A"], "draft")
    assert (first.version.number, second.version.number) == (1, 2)
    third = _second_version().replace("Do you regulate short-term rentals in your city?", "Rules?")
    _import(third)
    outcome = publishing.publish(db.session, questionnaire)
    db.session.commit()
    assert [m.response.id for m in outcome.moves] == [second.id]
    assert (first.version.number, second.version.number) == (1, 3)


def test_an_admin_lets_a_leader_publish_their_actions_drafts(client, login_as, db, users):
    """Publishing stays with admins unless an admin grants it to a leader (a setting on
    the user page, audited); the grant covers the actions the leader leads, no other."""
    from app import authz

    publish_example(1)
    publish_example(2)
    _import(_second_version())
    db.session.commit()
    leader = users["leader1"]  # leads action 1
    access = {"role": "leader", "organisation": "", "actions": ["1"]}

    def grant(value: bool):
        login_as("admin")
        data = dict(access, may_publish="y") if value else dict(access)
        url = f"/admin/users/{leader.id}"
        assert client.post_form(url, data, page=url).status_code == 302
        db.session.refresh(leader)
        assert leader.may_publish is value
        login_as("leader1")

    # Without the grant: the builder, not the publish page, nor its link.
    login_as("leader1")
    assert client.get("/questionnaires/1/publish").status_code == 403
    assert (
        client.post_form("/questionnaires/1/publish", {"confirm": "y"}, page="/").status_code == 403
    )
    assert "/questionnaires/1/publish" not in client.get("/questionnaires/1/manage").get_data(
        as_text=True
    )

    grant(True)
    (entry,) = audit_events("user.settings_changed")
    assert entry.details == {"setting": "may_publish", "from": False, "to": True}
    assert entry.actor == "admin@example.org" and entry.object_id == str(leader.id)
    assert "/questionnaires/1/publish" in client.get("/questionnaires/1/manage").get_data(
        as_text=True
    )
    assert client.get("/questionnaires/1/publish").status_code == 200
    assert client.get("/questionnaires/2/publish").status_code == 403  # not their action
    actions = {a.number: a for a in db.session.scalars(select(Action))}
    assert authz.can_publish_draft(leader, actions[1])
    assert not authz.can_publish_draft(leader, actions[2])
    assert not authz.can_publish_draft(users["leader2"], actions[2])  # not granted
    response = client.post_form(
        "/questionnaires/1/publish", {"confirm": "y"}, page="/questionnaires/1/publish"
    )
    assert response.status_code == 302
    (published,) = audit_events("questionnaire.published")
    assert published.actor == leader.email and published.details["action"] == 1

    grant(False)
    assert [e.details["to"] for e in audit_events("user.settings_changed")] == [True, False]
    assert client.get("/questionnaires/1/publish").status_code == 403
    # An unrelated save leaves the setting as it is, and records nothing.
    login_as("admin")
    url = f"/admin/users/{leader.id}"
    client.post_form(url, dict(access), page=url)
    assert len(audit_events("user.settings_changed")) == 2
