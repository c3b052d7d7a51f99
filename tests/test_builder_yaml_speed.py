"""The builder's save is fast and still an exact round trip (issue 15): the definition is
written by libyaml's emitter (the same text as PyYAML's pure-Python one) and, being the
app's own text, read back by libyaml's parser with the definition loader's resolvers
(``load_own_text``): the same data and lines as ``load_text``, which keeps its checks
for uploads."""

from __future__ import annotations

import copy
import glob
from pathlib import Path

import pytest
import yaml

from app.definitions import loader, model
from app.definitions.loader import MAX_CHARS, MAX_NODES, load_own_text, load_text
from app.definitions.validate import validate_file, validate_text
from app.services.questionnaires.builder import check

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(glob.glob(str(ROOT / "app/definitions/questionnaires/*.yaml"))) + [
    str(ROOT / "docs/example-questionnaire.yaml")
]
# Texts a coordinator may type that YAML reads as something else unless quoted.
AWKWARD = [
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "true",
    "False",
    "null",
    "~",
    "",
    " ",
    "1",
    "0.5",
    "1e3",
    "0x1F",
    "0o17",
    "+1",
    "-.inf",
    ".NaN",
    "2026-01-01",
    "2026-02-30",
    "12:30",
    "1_000",
    "a: b",
    "- x",
    "# x",
    "x # y",
    "? q",
    "@at",
    "`tick",
    "%pc",
    "!bang",
    "&anchor",
    "*alias",
    "|pipe",
    ">fold",
    "'single",
    '"double',
    "{a: 1}",
    "[1, 2]",
    "<<",
    "=",
    " leading",
    "trailing ",
    "tab\there",
    "two\nlines",
    "ends with newline\n",
    "  indented\n  text",
    "line \nwith trailing space",
    "Größe ÄÖÜ ß",
    "emoji 😀",
    "ligne\u2028séparée",
    "nel\x85",
    "zero\u200bwidth",
    "long " * 60,
    "x" * 150,
    "«guillemets» “quotes” – dash",
]


def _pure(definition):
    """What to_yaml wrote before: PyYAML's pure-Python emitter."""

    class Pure(yaml.SafeDumper):
        def ignore_aliases(self, data):
            return True

    Pure.add_representer(str, model._str_representer)
    original = model._Dumper
    model._Dumper = Pure
    try:
        return model.to_yaml(definition)
    finally:
        model._Dumper = original


def _awkward_definition():
    definition = copy.deepcopy(validate_file(SHIPPED[-1]).definition)
    question = definition["sections"][0]["questions"][0]
    question["options"] = [
        {"code": f"o{n}", "label": {"en": text, "de": text[::-1]}, "score": 0.5}
        for n, text in enumerate(AWKWARD)
    ]
    question["help"] = {"en": "\n".join(AWKWARD), "de": "Hilfe"}
    return definition


def _definitions():
    return [validate_file(path).definition for path in SHIPPED] + [_awkward_definition()]


@pytest.mark.skipif(not loader.LIBYAML, reason="PyYAML built without libyaml")
def test_libyaml_writes_the_same_text():
    """The shipped questionnaires' text is unchanged; of the awkward texts, libyaml writes
    two differently: an emoji escaped ("\\U0001F600", read back the same), and U+0085,
    which the pure-Python emitter loses (read back as a space) and libyaml keeps."""
    for path in SHIPPED:
        definition = validate_file(path).definition
        assert model.to_yaml(definition) == _pure(definition)
    differ = []
    for text in AWKWARD:
        definition = {"action": 1, "code": "x", "title": {"en": text, "de": "x"}, "sections": []}
        if model.to_yaml(definition) != _pure(definition):
            differ.append(text)
        assert load_text(model.to_yaml(definition)).data["title"]["en"] == text
    assert set(differ) == {"emoji 😀", "nel\x85"}


def test_own_text_reads_as_load_text_does():
    for definition in _definitions():
        text = model.to_yaml(definition)
        own, checked = load_own_text(text), load_text(text)
        assert own.data == checked.data and own.lines == checked.lines


def test_the_builders_save_is_an_exact_round_trip():
    for definition in _definitions()[:-1]:  # the shipped ones: valid
        result, text = check(definition)
        assert result.ok and result.definition == definition
        again = validate_text(text)  # as an upload of the exported file
        assert again.ok and again.definition == definition
    awkward = _awkward_definition()
    result, text = check(awkward)
    read = load_text(text).data["sections"][0]["questions"][0]
    assert [o["label"]["en"] for o in read["options"]] == AWKWARD
    assert read["help"]["en"] == "\n".join(AWKWARD)


def test_beyond_the_upload_limits_the_errors_are_load_texts():
    big = "x: " + "a" * (MAX_CHARS + 1)
    assert validate_text(big, "draft", own=True).errors[0].message == (
        validate_text(big, "draft").errors[0].message
    )
    many = "items:\n" + "".join(f"- {n}\n" for n in range(MAX_NODES + 1))
    assert "more than" in validate_text(many, "draft", own=True).errors[0].message
    deep = "a: " + "[" * 40 + "]" * 40
    assert "nests deeper" in validate_text(deep, "draft", own=True).errors[0].message
    twice = "action: 1\naction: 2\n"
    assert "appears twice" in validate_text(twice, "draft", own=True).errors[0].message
