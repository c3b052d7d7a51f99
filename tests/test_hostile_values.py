"""Hostile values the route fuzzer cannot judge by a status code: text a spreadsheet may
take for a formula must leave every export neutralised (CSV and XLSX, codes and labels),
and any YAML must be refused or read, never raise. Strategies: tests/hostile.py.

The fullwidth ``＝`` (and its look-alikes, behind spaces or quotes) went into exports
as it was (issue 14, found by hand).
"""

from __future__ import annotations

import csv
import io
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select, update

from app.definitions.validate import validate_text
from app.models import Answer, Question, Response
from app.services import exports
from app.services.exports.csv_safe import (
    LOOK_ALIKES,
    QUOTES,
    TRIGGERS,
    csv_rows,
    neutralise,
    neutralise_row,
    safe_cell,
)
from app.services.exports.writers import xlsx_cell
from tests.conftest import action
from tests.export_helpers import golden_responses
from tests.hostile import formula_text, hostile_yaml, spreadsheet_may_run
from tests.test_exports_layouts import read_csv

FEW = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))

# --- the rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "＝1+1",
        "＋49 30 1234",
        "－5+cmd",
        "＠SUM(A1)",
        "﹦1",
        "⁼1",
        "−1+1",
        "–SUM(A1)",
        "—x",
        " =1+1",
        "\u00a0=1+1",
        "\u3000＝1+1",
        "\u200b=1",
        "\ufeff=1",
        "\n=1+1",
        '"=1+1',
        '"＝1+1"',
        "“=1+1”",
        "« =1 »",
        '  " =1',
    ],
)
def test_look_alikes_and_what_hides_them_are_neutralised(text):
    assert safe_cell(text) == "'" + text
    assert neutralise_row([text]) == ["'" + text]
    assert xlsx_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "-3",
        "+3.5",
        "-1e3",
        "plain",
        "a=b",
        "x＝y",
        "'=1+1",
        "'＝1",
        "Ζώνες — Зоны",
        "  ",
        "“”",
    ],
)
def test_numbers_text_and_the_apostrophe_stay_as_they_are(text):
    """Plain numbers stay numbers; an apostrophe already makes the cell text."""
    assert safe_cell(text) == text and neutralise(text) == text


def test_every_character_that_folds_to_a_formula_sign_is_a_trigger():
    """Everything NFKC folds to = + - @ (or to the minus sign), every dash: in TRIGGERS.
    None of them, nor the skipped quotes, starts with a letter or digit (the fast path)."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cs":
            continue
        folded = unicodedata.normalize("NFKC", char)[:1]
        if folded in ("=", "+", "-", "@", "\u2212") or unicodedata.category(char) == "Pd":
            assert char in TRIGGERS, f"U+{code:04X} {unicodedata.name(char, '')}"
    assert not any(char.isalnum() for char in TRIGGERS | QUOTES)
    assert len(LOOK_ALIKES) > 40


@FEW
@given(text=formula_text)
def test_a_hidden_formula_is_always_neutralised(text):
    assert spreadsheet_may_run(text)
    assert safe_cell(text) == neutralise(text) == "'" + text
    assert neutralise_row([text, 1, None]) == ["'" + text, 1, None]
    assert xlsx_cell(text).startswith("'")
    assert list(csv.reader(io.StringIO("".join(csv_rows([[text]])), newline=""))) == [["'" + text]]


@FEW
@given(
    text=st.one_of(
        st.text(),
        formula_text,
        st.text(st.sampled_from(sorted(TRIGGERS | QUOTES) + [" ", "'", "1", "a", "\u200b"])),
    )
)
def test_nothing_a_spreadsheet_may_run_leaves_the_rule(text):
    out = neutralise(text)
    assert not spreadsheet_may_run(out), (text, out)
    assert out in (text, "'" + text)


@FEW
@given(number=st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_plain_numbers_as_text_stay_numbers(number):
    assert neutralise(str(number)) == str(number)


# --- through a real export -------------------------------------------------------------


def _put(db, response_id: int, code: str, text: str, *, other: bool = False) -> None:
    question_ids = select(Question.id).where(Question.code == code)
    column = Answer.other_text if other else Answer.value
    db.session.execute(
        update(Answer)
        .where(Answer.response_id == response_id, Answer.question_id.in_(question_ids))
        .values({column: text})
    )
    db.session.commit()


def test_look_alike_formulas_in_answers_leave_every_export_neutralised(db, users):
    golden_responses()
    catalogue = exports.prepare(db.session, action(1))
    first = db.session.scalar(select(Response.id).where(Response.reference == "T01-GOLD01"))

    @settings(FEW, max_examples=15)
    @given(name=formula_text, other=formula_text, labels=st.booleans())
    def check(name, other, labels):
        _put(db, first, "example_name", name)
        _put(db, first, "org_role", other, other=True)
        for layout in ("wide", "long"):
            options = exports.ExportOptions(layout=layout, labels=labels)
            data = b"".join(exports.csv_stream(db.engine, catalogue, options))
            cells = [cell for row in read_csv(data) for cell in row.values()]
            assert "'" + name in cells and "'" + other in cells
            assert not [cell for cell in cells if spreadsheet_may_run(cell)]
        buffer = io.BytesIO()
        exports.write_xlsx(
            db.engine,
            catalogue,
            exports.ExportOptions(format="xlsx"),
            buffer,
            action="1",
            exported_by="t",
        )
        workbook = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
        values = [c for row in workbook["responses"].iter_rows(values_only=True) for c in row]
        texts = [value for value in values if isinstance(value, str)]
        assert not [text for text in texts if spreadsheet_may_run(text)]
        workbook.close()

    check()


# --- YAML definition files -------------------------------------------------------------


@FEW
@given(text=hostile_yaml)
def test_any_yaml_is_refused_or_read_never_raised(text):
    result = validate_text(text, "f.yaml")
    assert result.ok or all(error.message for error in result.errors)
