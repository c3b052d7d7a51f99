"""The definition format: loading with lines, the schema, the semantic rules."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from app.definitions.loader import load_text
from app.definitions.validate import validate_file, validate_text

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "example-questionnaire.yaml"


def example() -> dict:
    return load_text(EXAMPLE.read_text(encoding="utf-8")).data


def q(data: dict, section: int, question: int) -> dict:
    return data["sections"][section]["questions"][question]


def test_example_is_valid():
    result = validate_file(EXAMPLE)
    assert result.ok, [str(e) for e in result.errors]
    definition = result.definition
    assert definition["title"]["de"].startswith("Sharing Economy")
    assert definition["sections"][1]["questions"][0]["label"] == {
        "en": "Do you regulate short-term rentals?"
    }
    # yes/no stay strings in conditions
    assert definition["sections"][1]["questions"][1]["show_if"] == {
        "question": "has_regulation",
        "equals": "yes",
    }


def mutate(fn):
    data = copy.deepcopy(example())
    fn(data)
    return data


BAD = [
    (
        "unknown type",
        lambda d: q(d, 0, 0).update(type="radio"),
        "sections[0].questions[0].type",
        "'radio' is not a question type",
    ),
    (
        "duplicate question code",
        lambda d: q(d, 1, 1).update(code="has_regulation"),
        "sections[1].questions[1].code",
        "is used twice",
    ),
    (
        "duplicate option code",
        lambda d: q(d, 1, 2)["options"][1].update(code="registration"),
        "sections[1].questions[2].options[1]",
        "option code 'registration' is used twice",
    ),
    (
        "show_if unknown question",
        lambda d: q(d, 1, 1).update(show_if={"question": "ghost", "equals": "yes"}),
        "sections[1].questions[1].show_if.question",
        "no question with that code",
    ),
    (
        "show_if later question",
        lambda d: q(d, 0, 1).update(show_if={"question": "has_regulation", "equals": "yes"}),
        "sections[0].questions[1].show_if.question",
        "comes later",
    ),
    (
        "show_if value not an option",
        lambda d: q(d, 1, 3)["show_if"]["all"][1].update(any_of=["ceilings"]),
        "sections[1].questions[3].show_if.all[1].any_of",
        "'ceilings' is not an option of 'measures'",
    ),
    (
        "weight on unknown theme",
        lambda d: q(d, 1, 0)["themes"].update(happiness=1),
        "sections[1].questions[0].themes",
        "unknown theme 'happiness'",
    ),
    (
        "option score outside 0..1",
        lambda d: q(d, 1, 2)["options"][0].update(score=1.5),
        "sections[1].questions[2].options[0].score",
        "outside 0..1",
    ),
    (
        "likert with 2 points",
        lambda d: q(d, 0, 1).update(points=2),
        "sections[0].questions[1].points",
        "3 to 11 points, not 2",
    ),
    (
        "missing English",
        lambda d: q(d, 0, 1).update(label={"de": "Nur Deutsch"}),
        "sections[0].questions[1].label",
        "English text is missing",
    ),
    (
        "unknown language",
        lambda d: q(d, 0, 1).update(label={"en": "x", "es": "y"}),
        "sections[0].questions[1].label",
        "unknown language 'es'",
    ),
    (
        "scored question without themes",
        lambda d: q(d, 1, 0).pop("themes"),
        "sections[1].questions[0]",
        "is scored but has no 'themes'",
    ),
    (
        "themes without scores",
        lambda d: q(d, 0, 0).update(themes={"resilience": 1}),
        "sections[0].questions[0].themes",
        "no score to feed them",
    ),
    (
        "negative weight",
        lambda d: q(d, 1, 0)["themes"].update(resilience=-1),
        "sections[1].questions[0].themes.resilience",
        "must be a positive number",
    ),
    (
        "matrix item without themes",
        lambda d: q(d, 1, 5)["items"][0].pop("themes"),
        "sections[1].questions[5].items[0]",
        "has no 'themes'",
    ),
    (
        "point labels count",
        lambda d: q(d, 1, 5).update(point_labels=["a", "b"]),
        "sections[1].questions[5].point_labels",
        "2 labels for 5 points",
    ),
    (
        "missing required key",
        lambda d: q(d, 1, 2).pop("options"),
        "sections[1].questions[2]",
        "'options' is missing",
    ),
    (
        "unknown key for type",
        lambda d: q(d, 1, 0).update(points=5),
        "sections[1].questions[0]",
        "unknown key 'points'",
    ),
    (
        "bad code pattern",
        lambda d: q(d, 0, 0).update(code="Org-Role"),
        "sections[0].questions[0].code",
        "may only contain",
    ),
    (
        "min greater than max",
        lambda d: q(d, 1, 3).update(min=400, max=10),
        "sections[1].questions[3].min",
        "larger than 'max'",
    ),
    (
        "reserved option code",
        lambda d: q(d, 1, 6)["options"][2].update(code="other"),
        "sections[1].questions[6].options[2].code",
        "'other' is reserved",
    ),
    (
        "reserved question code",
        lambda d: q(d, 2, 1).update(code="csrf_token"),
        "sections[2].questions[1].code",
        "cannot be a question code",
    ),
    (
        "bad date bound",
        lambda d: q(d, 1, 1).update(min="01/01/1990"),
        "sections[1].questions[1].min",
        "YYYY-MM-DD",
    ),
    ("action out of range", lambda d: d.update(action=12), "action", "1 to 11"),
    ("empty sections", lambda d: d.update(sections=[]), "sections", "at least 1"),
    (
        "multiple choice max too big",
        lambda d: q(d, 1, 2).update(max=9),
        "sections[1].questions[2].max",
        "from 0 to 5",
    ),
    (
        "yes_no condition value",
        lambda d: q(d, 1, 1).update(show_if={"question": "has_regulation", "equals": "maybe"}),
        "sections[1].questions[1].show_if.equals",
        "'yes' or 'no'",
    ),
    (
        "self-reference",
        lambda d: q(d, 1, 1).update(show_if={"question": "regulation_since", "answered": True}),
        "sections[1].questions[1].show_if.question",
        "cannot depend on itself",
    ),
    (
        "short text too long limit",
        lambda d: q(d, 2, 1).update(max_length=900),
        "sections[2].questions[1].max_length",
        "at most 500",
    ),
]


@pytest.mark.parametrize(("name", "change", "path", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_definitions_get_precise_errors(name, change, path, message):
    text = yaml.safe_dump(mutate(change), sort_keys=False, allow_unicode=True)
    result = validate_text(text, "bad.yaml")
    assert not result.ok
    matching = [e for e in result.errors if e.path == path and message in e.message]
    assert matching, f"expected {path}: {message}; got {[str(e) for e in result.errors]}"
    error = matching[0]
    assert error.line and error.file == "bad.yaml"
    assert str(error).startswith(f"bad.yaml:{error.line}: {path}: ")


def test_error_line_points_at_the_offending_line():
    text = EXAMPLE.read_text(encoding="utf-8").replace("type: yes_no", "type: yesno")
    result = validate_text(text, "x.yaml")
    line = next(n for n, ln in enumerate(text.splitlines(), start=1) if "type: yesno" in ln)
    assert [e.line for e in result.errors] == [line]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("action: [1\n", "not valid YAML"),
        ("action: 1\naction: 2\n", "appears twice"),
        ("- just a list\n", "must be a mapping"),
    ],
)
def test_unreadable_files(text, message):
    result = validate_text(text, "f.yaml")
    assert not result.ok and message in result.errors[0].message


def test_yes_and_no_are_strings_not_booleans():
    loaded = load_text("a: yes\nb: no\nc: true\nd: on\n")
    assert loaded.data == {"a": "yes", "b": "no", "c": True, "d": "on"}


def test_cli_validate_lists_every_error(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    data = mutate(lambda d: (q(d, 0, 0).update(type="radio"), q(d, 1, 0).pop("themes")))
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "validate", str(EXAMPLE), str(bad)])
    assert result.exit_code == 1
    assert "OK (3 sections, 13 questions)" in result.output
    assert "'radio' is not a question type" in result.output
    assert "1 of 2 file(s) have errors" in result.output


def test_cli_schema_prints_json(runner):
    import json

    result = runner.invoke(args=["questionnaires", "schema"])
    schema = json.loads(result.output)
    assert schema["$defs"]["question"]["properties"]["type"]["enum"][0] == "single_choice"


def test_schema_and_meaning_errors_are_reported_all_at_once():
    """An unknown theme (schema) no longer hides a dangling condition or a duplicate
    code (meaning): every problem comes back in one run, each with its path."""

    def change(d):
        q(d, 1, 0)["themes"] = {"no_such_theme": 1}
        q(d, 1, 1)["show_if"] = {"question": "nowhere", "equals": "yes"}
        q(d, 1, 2)["code"] = q(d, 1, 3)["code"]
        q(d, 0, 0)["label"] = ""

    result = validate_text(yaml.safe_dump(mutate(change)), "x.yaml")
    found = {(e.path, e.message.split(";")[0]) for e in result.errors}
    paths = {path for path, _ in found}
    assert "sections[1].questions[0].themes" in paths  # schema
    assert "sections[1].questions[1].show_if.question" in paths  # meaning
    assert "sections[0].questions[0].label" in paths  # schema
    assert any(p.endswith(".code") and p.startswith("sections[1].questions[3]") for p in paths)
    assert not result.ok and result.definition is None


def test_cli_validate_prints_schema_and_meaning_errors_together(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    data = mutate(
        lambda d: (
            q(d, 1, 0).update(themes={"no_such_theme": 1}),
            q(d, 1, 1).update(show_if={"question": "nowhere", "answered": True}),
        )
    )
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "validate", str(bad)])
    assert result.exit_code == 1
    assert "unknown theme 'no_such_theme'" in result.output
    assert "there is no question with that code" in result.output
