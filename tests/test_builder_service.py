"""The builder's service: each edit on a draft, revisions and conflicts, the exact YAML
round trip, coverage and translation status (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.definitions.validate import validate_text
from app.extensions import db
from app.models import AuditEntry, Question, VersionStatus
from app.services.questionnaires import builder, editing
from app.services.questionnaires import versions as qservice
from tests.review_helpers import publish_example


@pytest.fixture
def draft(app):
    questionnaire = publish_example(1)
    saved = builder.start_draft(db.session, questionnaire, source="published")
    db.session.commit()
    return saved.draft


def _save(draft, definition, change="test"):
    saved = builder.save(
        db.session, draft, definition, revision=draft.revision, user=None, change=change
    )
    db.session.commit()
    return saved


def test_start_from_published_copies_it_as_a_valid_draft(draft):
    assert draft.status == VersionStatus.DRAFT and draft.number == 2
    assert draft.problems == 0 and draft.revision == 0
    published = qservice.published_version(db.session, draft.questionnaire)
    assert draft.definition == published.definition
    assert len(draft.questions) == len(published.questions)
    with pytest.raises(qservice.QuestionnaireError, match="has a draft already"):
        builder.start_draft(db.session, draft.questionnaire, source="empty")


def test_start_empty_is_kept_with_its_problems_and_cannot_be_published(app):
    questionnaire = publish_example(1)
    saved = builder.start_draft(db.session, questionnaire, source="empty")
    assert saved.draft.definition["sections"] == []
    assert saved.draft.problems == len(saved.errors) > 0
    assert saved.draft.questions == []
    with pytest.raises(qservice.QuestionnaireError, match="problem"):
        qservice.publish(db.session, questionnaire)


def test_start_by_copying_sections_keeps_their_codes(app):
    publish_example(1)
    other = publish_example(2)
    source = qservice.published_version(
        db.session, qservice.questionnaire_for_action(db.session, 1)
    )
    saved = builder.start_draft(
        db.session, other, source="copy", copies=[(source, ["organisation"])]
    )
    codes = [q["code"] for q in saved.draft.definition["sections"][0]["questions"]]
    assert codes == ["org_role", "org_relevance", "org_country"]
    assert saved.draft.definition["action"] == 2 and saved.errors == []


def test_every_edit_operation(draft):
    d = draft.definition
    d, section = editing.add_section(d, "Funding and needs")
    assert section == "funding_and_needs"
    d, code = editing.add_question(d, section, "yes_no", "Do you have a budget?")
    assert code == "do_you_have_a_budget"
    saved = _save(draft, d)
    assert any("no 'themes'" in e.message for e in saved.errors)  # scored, no themes yet
    assert draft.problems and draft.questions == []  # kept, no rows while it has problems

    q = editing.find_question(draft.definition, code)[2]
    fixed = {**q, "themes": {"resilience": 2.0}, "label": {"en": "Budget?", "de": "Budget?"}}
    saved = _save(draft, editing.replace_question(draft.definition, code, fixed))
    assert saved.errors == [] and draft.problems == 0
    assert db.session.scalar(
        select(Question).where(Question.version_id == draft.id, Question.code == code)
    )

    d, copy_code = editing.duplicate_question(draft.definition, code)
    assert copy_code == "do_you_have_a_budget_copy"
    d = editing.move_question(d, copy_code, -1)  # above the original
    assert [q["code"] for q in d["sections"][-1]["questions"]] == [copy_code, code]
    d = editing.move_question(d, copy_code, -1)  # past the edge: into the previous section
    assert d["sections"][-2]["questions"][-1]["code"] == copy_code
    d = editing.move_question_to(d, copy_code, "organisation")
    assert d["sections"][0]["questions"][-1]["code"] == copy_code
    d = editing.remove_question(d, copy_code)
    d = editing.move_section(d, section, -1)
    assert d["sections"][-2]["code"] == section
    d = editing.update_section(
        d,
        section,
        new_code="money",
        title={"en": "Money"},
        intro={},
        show_if={"question": "has_regulation", "equals": "yes"},
    )
    d = editing.set_texts(d, {"en": "New title", "fr": "Nouveau titre"}, {"en": "Hello"})
    saved = _save(draft, d)
    assert saved.errors == [], [str(e) for e in saved.errors]
    assert (
        draft.title == "New title"
        and draft.definition["sections"][-2]["show_if"]["equals"] == "yes"
    )
    d = editing.remove_section(draft.definition, "money")
    assert "money" not in editing.section_codes(d)
    with pytest.raises(editing.EditError):
        editing.remove_section(d, "money")


def test_type_change_keeps_what_fits():
    q = editing.new_question("single_choice", "Pick", "pick")
    q["options"][0]["score"] = 1.0
    ranking = editing.change_type(q, "ranking")
    assert ranking["options"][0]["code"] == "option_1" and "score" not in ranking["options"][0]
    assert "other" not in ranking
    assert editing.change_type(q, "likert")["points"] == 5


def test_codes_are_proposed_from_labels():
    assert editing.slug("Où est la bibliothèque ?") == "ou_est_la_bibliotheque"
    assert editing.slug("2026 budget") == "q_2026_budget"
    assert editing.propose_code("Budget", {"budget", "budget_2"}) == "budget_3"


def test_two_editors_never_overwrite_each_other(draft):
    """Both open revision 0; the first save wins, the second gets a conflict and
    nothing of the first is lost."""
    seen_by_both = draft.revision
    first = editing.set_texts(draft.definition, {"en": "Editor one"}, {})
    builder.save(db.session, draft, first, revision=seen_by_both, user=None, change="title")
    db.session.commit()
    second = editing.set_texts(draft.definition, {"en": "Editor two"}, {})
    with pytest.raises(builder.DraftConflict) as caught:
        builder.save(db.session, draft, second, revision=seen_by_both, user=None, change="title")
    db.session.rollback()
    assert caught.value.draft.revision == seen_by_both + 1
    db.session.refresh(draft)
    assert draft.title == "Editor one" and draft.revision == 1


def test_conflict_is_caught_in_the_database_too(draft):
    """A write racing past the page check still cannot claim a revision already taken."""
    revision = draft.revision
    db.session.execute(
        db.text("UPDATE questionnaire_versions SET revision = revision + 1 WHERE id = :id"),
        {"id": draft.id},
    )
    with pytest.raises(builder.DraftConflict):
        builder.save(db.session, draft, draft.definition, revision=revision, user=None, change="x")


def test_builder_save_export_import_is_an_exact_round_trip(draft):
    d, section = editing.add_section(draft.definition, "Extra")
    d, code = editing.add_question(d, section, "number", "How many staff?")
    q = editing.find_question(d, code)[2]
    q.update(
        min=0,
        max=500,
        unit={"en": "people", "de": "Personen"},
        scoring={"min": 0.0, "max": 100.0},
        themes={"resilience": 1.0},
    )
    saved = _save(draft, d)
    assert saved.errors == []
    text = qservice.export_yaml(draft)
    result = validate_text(text, "export.yaml")
    assert result.ok and result.definition == draft.definition
    outcome = qservice.import_definition(db.session, result)
    assert outcome.status == "unchanged"


def test_every_write_is_audited(draft):
    _save(
        draft,
        editing.set_texts(draft.definition, {"en": "Audited"}, {}),
        change="title and introduction",
    )
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    events = [e.event for e in entries]
    assert "questionnaire.draft_started" in events
    last = entries[-1]
    assert last.event == "questionnaire.draft_edited" and last.object_id == str(draft.id)
    assert last.details["change"] == "title and introduction" and last.details["revision"] == 1


def test_coverage_and_lost_themes(draft):
    published = qservice.published_version(db.session, draft.questionnaire).definition
    cover = builder.coverage(draft.definition, published)
    assert cover.lost == [] and cover.weights["integrated_approaches"] > 0
    assert {q["code"] for q in cover.feeding_nothing} >= {"org_role", "org_country"}
    stripped = draft.definition
    for section in stripped["sections"]:
        for q in section["questions"]:
            q.pop("themes", None)
            for item in q.get("items", []):
                item["themes"] = {"resilience": 1.0}
    cover = builder.coverage(stripped, published)
    assert "integrated_approaches" in cover.lost and "resilience" not in cover.lost


def test_translation_status_per_language(draft):
    statuses = {s.lang: s for s in builder.translation_status(draft.definition)}
    assert statuses["en"].complete
    assert statuses["de"].total == statuses["en"].total
    assert statuses["it"].done < statuses["it"].total and statuses["it"].missing


def test_published_codes_are_fixed(draft):
    assert "has_regulation" in builder.published_codes(db.session, draft.questionnaire)
