"""Import, publish, export, diff and the immutability of published versions."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select

from app.definitions.validate import validate_file, validate_text
from app.models import Question, QuestionOption, ThemeWeight, VersionStatus
from app.services.questionnaires import versions as service
from tests.test_definitions_validate import EXAMPLE, example


def import_text(db, text):
    result = validate_text(text, "t.yaml")
    assert result.ok, [str(e) for e in result.errors]
    outcome = service.import_definition(db.session, result)
    db.session.commit()
    return outcome


@pytest.fixture
def published(db):
    outcome = service.import_definition(db.session, validate_file(EXAMPLE))
    version = service.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return version


def test_import_builds_rows(db, published):
    assert published.status == VersionStatus.PUBLISHED and published.number == 1
    codes = [q.code for q in published.questions]
    assert codes[:3] == ["org_role", "org_relevance", "org_country"]
    effects = next(q for q in published.questions if q.code == "effects")
    assert [(o.kind, o.code) for o in effects.options] == [
        ("item", "housing"),
        ("item", "heritage"),
    ]
    weights = sorted((w.item, w.theme.key, w.weight) for w in effects.weights)
    assert weights == [
        ("heritage", "broader_understanding", 0.5),
        ("heritage", "resilience", 1.0),
        ("housing", "social_inclusion", 1.0),
    ]
    share = next(q for q in published.questions if q.code == "rentals_share")
    assert (share.score_min, share.score_max) == (40.0, 0.0)
    # text questions with themes tag quotes: no scoring weight rows
    recommendations = next(q for q in published.questions if q.code == "recommendations")
    assert (
        recommendations.weights == [] and recommendations.spec["themes"]["identity_democracy"] == 1
    )


def test_export_then_import_round_trips(db, published):
    text = service.export_yaml(published)
    again = validate_text(text, "export.yaml")
    assert again.ok, [str(e) for e in again.errors]
    assert again.definition == published.definition
    outcome = service.import_definition(db.session, again)
    assert outcome.status == "unchanged"


def test_reimport_of_edited_file_makes_a_new_draft_and_publishes_next_version(db, published):
    data = copy.deepcopy(example())
    data["sections"][1]["questions"][0]["label"] = "Do you regulate holiday lets?"
    data["sections"][2]["questions"].append(
        {
            "code": "contact_ok",
            "type": "yes_no",
            "label": "May we contact you?",
            "themes": {"identity_democracy": 1},
        }
    )
    outcome = import_text(db, yaml.safe_dump(data))
    assert outcome.status == "created" and outcome.version.number == 2
    diff = service.diff_definitions(published.definition, outcome.version.definition)
    assert diff.added == ["contact_ok"]
    [label] = diff.changed["has_regulation"]
    assert label.startswith('label [en]: "') and label.endswith(
        '-> "Do you regulate holiday lets?"'
    )
    # importing again replaces the same draft
    data["sections"][1]["questions"][0]["label"] = "Do you regulate holiday rentals?"
    outcome = import_text(db, yaml.safe_dump(data))
    assert outcome.status == "replaced" and outcome.version.number == 2
    version = service.publish(db.session, published.questionnaire)
    db.session.commit()
    assert version.number == 2
    db.session.refresh(published)
    assert published.status == VersionStatus.ARCHIVED
    assert (
        db.session.scalar(
            select(func.count(Question.id)).where(Question.version_id == published.id)
        )
        == 13
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda v: setattr(v.questions[0], "required", False),
        lambda v: setattr(v.questions[0].options[0], "score", 0.9),
        lambda v: setattr(v.questions[1].weights[0], "weight", 5.0),
        lambda v: setattr(v, "definition", {**v.definition, "code": "changed"}),
        lambda v: v.questions.append(
            Question(
                code="new",
                position=99,
                section_code="x",
                section_position=0,
                qtype="yes_no",
                spec={},
            )
        ),
        lambda v: v.questions.remove(v.questions[-1]),
    ],
)
def test_published_versions_cannot_be_edited(db, published, change):
    change(published)
    with pytest.raises(service.FrozenVersionError, match="never changes"):
        db.session.flush()
    db.session.rollback()


def test_drafts_can_be_edited(db):
    outcome = service.import_definition(db.session, validate_file(EXAMPLE))
    outcome.version.questions[0].required = False
    db.session.flush()


def test_publish_without_draft_is_refused(db, published):
    with pytest.raises(service.QuestionnaireError, match="no draft to publish"):
        service.publish(db.session, published.questionnaire)


def test_code_of_a_questionnaire_never_changes(db, published):
    data = copy.deepcopy(example())
    data["code"] = "a01_renamed"
    with pytest.raises(service.QuestionnaireError, match="never changes"):
        service.import_definition(db.session, validate_text(yaml.safe_dump(data)))


def test_cli_import_publish_export_diff_list(runner, db, tmp_path):
    result = runner.invoke(args=["questionnaires", "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "draft version 1 created" in result.output
    assert runner.invoke(args=["questionnaires", "diff", "1"]).output.startswith(
        "Action 1 has no published version"
    )
    result = runner.invoke(args=["questionnaires", "publish", "1"])
    assert "version 1 published" in result.output
    out = tmp_path / "a1.yaml"
    result = runner.invoke(args=["questionnaires", "export", "1", "--output", str(out)])
    assert result.exit_code == 0 and validate_file(out).ok
    edited = out.read_text().replace(
        "Do you regulate short-term rentals?", "Do you regulate rentals?"
    )
    out.write_text(edited)
    runner.invoke(args=["questionnaires", "import", str(out)])
    result = runner.invoke(args=["questionnaires", "diff", "1"])
    assert "~ question has_regulation\n" in result.output
    assert 'label [en]: "Do you regulate short-term rentals?" -> "Do you regulate rentals?"' in (
        result.output
    )
    listing = runner.invoke(args=["questionnaires", "list"]).output
    assert "a01_example" in listing and "v1 published, v2 draft" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["questionnaires", "publish", "5"], "Action 5 has no questionnaire yet"),
        (["questionnaires", "export", "5"], "Action 5 has no questionnaire yet"),
        (["questionnaires", "diff", "7"], "Action 7 has no questionnaire yet"),
        (["questionnaires", "publish", "x"], "'x' is not a valid integer"),
    ],
)
def test_cli_errors(runner, db, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2 and message in result.output


def test_cli_import_refuses_invalid_files_and_imports_nothing(runner, db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace("points: 5\n        labels", "points: 2\n        labels")
    )
    result = runner.invoke(args=["questionnaires", "import", str(EXAMPLE), str(bad)])
    assert result.exit_code == 1 and "Nothing imported" in result.output
    assert db.session.scalar(select(func.count(QuestionOption.id))) == 0
    assert db.session.scalar(select(func.count(ThemeWeight.id))) == 0
