"""The diff of two questionnaire versions (issue 15): every changed text with its old and
new wording in each language, options, scores, weights, conditions, type, required and
section; in the service, `flask questionnaires diff --from/--to` and the diff page."""

from __future__ import annotations

import copy

import yaml

from app.definitions.validate import validate_text
from app.extensions import db
from app.services.questionnaires import versions as qservice
from app.services.questionnaires.diff import Change, diff_definitions
from tests.review_helpers import example_text, publish_example


def _example() -> dict:
    result = validate_text(example_text(1), "example.yaml")
    assert result.ok
    return result.definition


def _question(definition: dict, code: str) -> dict:
    return next(q for s in definition["sections"] for q in s["questions"] if q["code"] == code)


def _changes(diff, code: str) -> list[Change]:
    return next(e.changes for e in diff.questions if e.code == code)


def test_same_definition_has_no_diff():
    assert diff_definitions(_example(), _example()).empty


def test_every_kind_of_change_has_old_and_new_values():
    old, new = _example(), _example()
    _question(new, "org_role")["label"]["de"] = "Welche Rolle hat Ihre Organisation?"
    _question(new, "org_role")["required"] = False
    measures = _question(new, "measures")
    measures["options"][3]["score"] = 0.25
    measures["options"][0]["label"] = {"en": "A registration scheme"}
    measures["options"].append({"code": "licences", "label": {"en": "Licences"}, "score": 1.0})
    measures["themes"] = {"integrated_approaches": 1.0, "resilience": 0.5}
    measures["show_if"] = {"question": "has_regulation", "equals": "no"}
    _question(new, "effects")["items"][0]["themes"]["social_inclusion"] = 2.0
    data_source = _question(new, "data_source")
    data_source["type"] = "multiple_choice"
    # move example_name from "needs" to "practice"
    needs = next(s for s in new["sections"] if s["code"] == "needs")
    moved = next(q for q in needs["questions"] if q["code"] == "example_name")
    needs["questions"].remove(moved)
    next(s for s in new["sections"] if s["code"] == "practice")["questions"].append(moved)
    new["sections"][0]["title"] = {**new["sections"][0]["title"], "fr": "Votre organisation"}

    diff = diff_definitions(old, new)

    [label] = [c for c in _changes(diff, "org_role") if c.field == "label"]
    assert (label.lang, label.old, label.new) == ("de", None, "Welche Rolle hat Ihre Organisation?")
    assert Change("required", True, False) in _changes(diff, "org_role")
    changes = {c.text() for c in _changes(diff, "measures")}
    assert "option taxes score: 0.5 -> 0.25" in changes
    assert 'option registration label [en]: "Registration scheme" -> "A registration scheme"' in (
        changes
    )
    assert "option licences added: Licences (score 1)" in changes
    assert "weight integrated_approaches: 2 -> 1" in changes
    assert "weight resilience added: 0.5" in changes
    assert "show_if: has_regulation = yes -> has_regulation = no" in changes
    assert "item housing weight social_inclusion: 1 -> 2" in {
        c.text() for c in _changes(diff, "effects")
    }
    assert Change("type", "single_choice", "multiple_choice") in _changes(diff, "data_source")
    assert Change("section", "needs", "practice") in _changes(diff, "example_name")
    [section] = [e for e in diff.sections if e.code == "organisation"]
    assert section.changes[0].lang == "fr" and section.changes[0].new == "Votre organisation"
    assert diff.counts() == {"added": 0, "removed": 0, "changed": 5}


def test_added_and_removed_questions_are_matched_by_code():
    old, new = _example(), _example()
    practice = next(s for s in new["sections"] if s["code"] == "practice")
    data_source = next(q for q in practice["questions"] if q["code"] == "data_source")
    data_source["code"] = "data_origin"
    diff = diff_definitions(old, new)
    assert diff.added == ["data_origin"] and diff.removed == ["data_source"]
    assert any(line.startswith("+ question data_origin: ") for line in diff.lines())
    assert any(line.startswith("- question data_source: ") for line in diff.lines())


def _three_versions() -> None:
    """Action 1: v1 published then archived, v2 published (relabel), v3 draft (new option)."""
    questionnaire = publish_example(1)
    data = yaml.safe_load(example_text(1))
    second = copy.deepcopy(data)
    second["sections"][1]["questions"][0]["label"] = "Do you regulate holiday rentals?"
    result = validate_text(yaml.safe_dump(second), "v2.yaml")
    qservice.import_definition(db.session, result)
    qservice.publish(db.session, questionnaire)
    third = copy.deepcopy(second)
    third["sections"][1]["questions"][0]["label"] = {
        "en": "Do you regulate holiday rentals?",
        "de": "Regulieren Sie Ferienwohnungen?",
    }
    qservice.import_definition(db.session, validate_text(yaml.safe_dump(third), "v3.yaml"))
    db.session.commit()


def test_cli_diff_any_two_versions(runner, db):
    _three_versions()
    result = runner.invoke(args=["questionnaires", "diff", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Draft v3 against v2 (published):")
    assert 'label [de] added: "Regulieren Sie Ferienwohnungen?"' in result.output
    result = runner.invoke(args=["questionnaires", "diff", "1", "--from", "1", "--to", "3"])
    assert result.output.startswith("Draft v3 against v1 (archived):")
    assert (
        'label [en]: "Do you regulate short-term rentals?" -> "Do you regulate holiday rentals?"'
        in result.output
    )
    result = runner.invoke(args=["questionnaires", "diff", "1", "--from", "9"])
    assert result.exit_code == 2
    assert "no version 9" in result.output


def test_coordinator_reads_the_diff_of_v1_and_v3(client, login_as, db, users):
    _three_versions()
    login_as("coordinator")
    page = client.get("/questionnaires/1/diff?from=1&to=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Changes from version 1 to version 3" in html
    assert "<del>Do you regulate short-term rentals?</del>" in html
    assert "<ins>Do you regulate holiday rentals?</ins>" in html
    assert "<ins>Regulieren Sie Ferienwohnungen?</ins>" in html
    text = client.get("/questionnaires/1/diff?from=1&to=3&format=text")
    assert text.mimetype == "text/plain"
    assert "~ question has_regulation" in text.get_data(as_text=True)
    assert client.get("/questionnaires/1/diff?from=7&to=3").status_code == 404
    manage = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert 'href="/questionnaires/1/diff"' in manage


def test_download_any_version_as_yaml_and_upload_it_back(client, login_as, db, users):
    _three_versions()
    login_as("coordinator")
    response = client.get("/questionnaires/1/v1.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="a01_example_v1.yaml"'
    v1 = response.get_data(as_text=True)
    assert "Do you regulate short-term rentals?" in v1
    draft = client.get("/questionnaires/1/v3.yaml").get_data(as_text=True)
    assert "Regulieren Sie Ferienwohnungen?" in draft
    result = validate_text(draft, "v3.yaml")
    assert result.ok
    questionnaire = qservice.questionnaire_for_action(db.session, 1)
    assert qservice.import_definition(db.session, result).status == "unchanged"  # round trip
    assert 'href="/questionnaires/1/v2.yaml"' in client.get("/questionnaires/1/manage").get_data(
        as_text=True
    )
    assert questionnaire.versions[-1].number == 3
