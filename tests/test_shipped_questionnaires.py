"""The 11 questionnaires shipped with the platform follow the Partnership's rules."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from app.definitions.model import Definition
from app.definitions.validate import is_scorable, validate_file, validate_text
from app.models import Questionnaire, QuestionnaireVersion, VersionStatus
from app.services.questionnaires import versions as service
from app.services.questionnaires.seeding import shipped_questionnaire_files

FILES = shipped_questionnaire_files()
RESULTS = {path.name: validate_file(path) for path in FILES}
THEMES = {
    "broader_understanding",
    "integrated_approaches",
    "resilience",
    "social_inclusion",
    "identity_democracy",
}


def definitions():
    return [Definition(r.definition) for r in RESULTS.values()]


def test_eleven_files_one_per_action():
    assert len(FILES) == 11
    assert sorted(r.definition["action"] for r in RESULTS.values() if r.ok) == list(range(1, 12))


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_file_validates(name):
    assert RESULTS[name].ok, [str(e) for e in RESULTS[name].errors]


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_size_and_types(name):
    defn = Definition(RESULTS[name].definition)
    assert 2 <= len(defn.sections) <= 5
    assert 15 <= len(defn.refs) <= 35
    types = {q["type"] for q in defn.questions()}
    assert len(types) >= 8, types
    conditional = [q for q in defn.questions() if "show_if" in q] + [
        s for s in defn.sections if "show_if" in s
    ]
    assert len(conditional) >= 2


def test_every_scorable_question_is_weighted():
    for defn in definitions():
        for q in defn.questions():
            if q["type"] == "matrix":
                assert all(item["themes"] for item in q["items"]), q["code"]
            elif is_scorable(q):
                assert q.get("themes"), (defn.data["code"], q["code"])


def test_theme_coverage():
    actions_per_theme = defaultdict(set)
    for defn in definitions():
        fed = set()
        for q in defn.questions():
            if q["type"] == "matrix":
                for item in q["items"]:
                    fed |= set(item["themes"])
            elif is_scorable(q):
                fed |= set(q.get("themes", {}))
        assert len(fed) >= 3, (defn.data["code"], fed)
        for theme in fed:
            actions_per_theme[theme].add(defn.data["action"])
    assert set(actions_per_theme) == THEMES
    for theme, actions in actions_per_theme.items():
        assert len(actions) >= 4, (theme, actions)


def test_text_questions_tag_quotes():
    tagged = [
        q
        for d in definitions()
        for q in d.questions()
        if q["type"] in ("short_text", "long_text") and q.get("themes")
    ]
    assert len(tagged) >= 11


def test_common_first_section_is_identical():
    firsts = [d.sections[0] for d in definitions()]
    assert all(s["code"] == "organisation" for s in firsts)
    assert all(s == firsts[0] for s in firsts)
    codes = [q["code"] for q in firsts[0]["questions"]]
    assert codes == [
        "org_role",
        "org_relevance",
        "org_experience",
        "org_staff",
        "org_partners",
        "org_context",
    ]


def test_languages():
    for defn in definitions():
        for lang in ("de", "fr", "it"):
            assert lang in defn.data["title"] and lang in defn.data["introduction"], defn.data[
                "code"
            ]
            for section in defn.sections:
                assert lang in section["title"], (defn.data["code"], section["code"], lang)


def test_import_publish_export_reimport_round_trips(db):
    for result in RESULTS.values():
        outcome = service.import_definition(db.session, result)
        version = service.publish(db.session, outcome.version.questionnaire)
        again = validate_text(service.export_yaml(version), "export.yaml")
        assert again.ok and again.definition == result.definition
        assert service.import_definition(db.session, again).status == "unchanged"
    db.session.commit()
    published = db.session.scalar(
        select(func.count(QuestionnaireVersion.id)).where(
            QuestionnaireVersion.status == VersionStatus.PUBLISHED
        )
    )
    assert published == 11


def test_seed_imports_and_publishes_once(runner, db):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "11 imported and published" in result.output
    again = runner.invoke(args=["seed"])
    assert "shipped files not imported" in again.output
    assert db.session.scalar(select(func.count(Questionnaire.id))) == 11
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 11
