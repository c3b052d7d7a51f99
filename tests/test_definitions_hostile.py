"""Hostile definition files: refused with a clear error while the text is read, before any
document is built, on the web upload and in ``flask questionnaires validate|import``.

An alias bomb (a few lines, each alias repeating the one before nine times) cost seconds of
CPU before its 400 (the loader walked every expanded path); tags, impossible dates, huge
integers, NUL characters and deep nesting gave 500s.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.definitions import loader
from app.definitions.validate import validate_file, validate_text
from app.models import QuestionnaireVersion
from tests.hostile import alias_bomb
from tests.test_definitions_validate import EXAMPLE

ALIASES = "aliases (*a0) are not allowed in a definition: write the value out in full"


@pytest.fixture
def nothing_is_built(monkeypatch):
    """Fail if the loader goes on to build a document: the refusal must come first."""

    def refuse(self, node):
        raise AssertionError("a document was built from a refused file")

    monkeypatch.setattr(loader.DefinitionLoader, "construct_document", refuse)


def test_an_alias_bomb_is_refused_before_anything_is_built(nothing_is_built):
    result = validate_text(alias_bomb(), "bomb.yaml")
    assert [str(e) for e in result.errors] == [f"bomb.yaml:2: {ALIASES}"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x 1\nb: *x\n", 2, "aliases (*x) are not allowed"),
        ("a: &x {b: 1}\nc:\n  <<: *x\n", 3, "aliases (*x) are not allowed"),
        ("a: !!int 'zz'\n", 1, "tags (!!int) are not allowed in a definition"),
        ("a: !!timestamp x\n", 1, "tags (!!timestamp) are not allowed"),
        ("a: !!python/object/apply:os.system [ls]\n", 1, "tags (!!python/object/apply"),
        ("a: ! 12\n", 1, "tags (!) are not allowed"),
        ("[" * 40 + "]" * 40, 1, "the file nests deeper than 32 levels"),
        ("a: [" + "1, " * 20_001 + "]", 1, "the file holds more than 20,000 values"),
        ("x" * 500_001, None, "the file is longer than 500,000 characters"),
    ],
)
def test_what_a_definition_never_needs_is_refused_while_reading(
    nothing_is_built, text, line, message
):
    [error] = validate_text(text, "f.yaml").errors
    assert message in error.message and error.line == line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2026-02-30\n", 2, "cannot read the value '2026-02-30': day is out of range"),
        ("a: 0000-01-01\n", 1, "cannot read the value '0000-01-01': year 0 is out of range"),
        ("a: 2026-01-01 25:00:00\n", 1, "hour must be in 0..23"),
        ("a: " + "1" * 5000 + "\n", 1, "Exceeds the limit (4300 digits)"),
        ("a: 1\nb: \x00\n", 2, "the character U+0000 is not allowed in a YAML file"),
        ("a: \x07", 1, "the character U+0007 is not allowed"),
    ],
)
def test_values_yaml_cannot_read_are_errors_with_their_line(text, line, message):
    [error] = validate_text(text, "f.yaml").errors
    assert message in error.message and error.line == line


def test_nesting_just_inside_the_limit_is_read():
    text = "[" * 32 + "]" * 32
    assert "the file must be a mapping" in validate_text(text).errors[0].message


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(4 * loader.MAX_CHARS + 1)  # sparse: nothing to read but zeros
    [error] = validate_file(path).errors
    assert error.message == loader.TOO_LONG and error.file == str(path)


def test_the_shipped_example_is_far_inside_every_limit():
    assert validate_file(EXAMPLE).ok


# --- where files come in: the web upload and the CLI ----------------------------------------


def _upload(client, text: str):
    return client.post_form(
        "/questionnaires/upload",
        {"file": (io.BytesIO(text.encode("utf-8")), "bomb.yaml")},
        page="/questionnaires/upload",
        content_type="multipart/form-data",
    )


def _versions(db) -> int:
    return db.session.scalar(select(func.count(QuestionnaireVersion.id)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (alias_bomb(), "bomb.yaml:2: " + ALIASES),
        ("[" * 2000 + "]" * 2000, "the file nests deeper than 32 levels"),
        ("action: 2026-02-30\n", "cannot read the value &#39;2026-02-30&#39;"),
        ("action: !!float x\n", "tags (!!float) are not allowed"),
    ],
)
def test_upload_refuses_hostile_yaml_with_a_400(client, login_as, db, users, text, message):
    login_as("admin")
    response = _upload(client, text)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _versions(db) == 0


def test_cli_validate_and_import_refuse_an_alias_bomb(runner, db, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "validate", str(bomb)])
    assert result.exit_code == 1
    assert f"{bomb}:2: {ALIASES}" in result.output
    result = runner.invoke(args=["questionnaires", "import", str(EXAMPLE), str(bomb)])
    assert result.exit_code == 1
    assert ALIASES in result.output and "Nothing imported" in result.output
    assert _versions(db) == 0
