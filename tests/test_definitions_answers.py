"""Answers: parsing each type, conditions, completeness, scores, rows."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.definitions import answers as A
from app.definitions.model import Definition
from app.definitions.validate import validate_file
from tests.test_definitions_validate import EXAMPLE

DEFN = Definition(validate_file(EXAMPLE).definition)
ALL = [q["code"] for q in DEFN.questions()]


def parse(data, codes=None):
    return A.parse_form(DEFN, MultiDict(data), codes or ALL)


GOOD = [
    ([("org_role", "action_leader")], "org_role", "action_leader"),
    ([("org_role", "other"), ("org_role__other", " Observer ")], "org_role", "other"),
    ([("org_relevance", "4")], "org_relevance", "4"),
    ([("org_relevance", "dk")], "org_relevance", "dk"),
    ([("org_country", "de")], "org_country", "DE"),
    ([("has_regulation", "YES")], "has_regulation", "yes"),
    ([("regulation_since", "2019-05-01")], "regulation_since", "2019-05-01"),
    (
        [("measures", "taxes"), ("measures", "registration"), ("measures", "taxes")],
        "measures",
        ["registration", "taxes"],
    ),
    ([("caps_nights", "90")], "caps_nights", "90"),
    ([("rentals_share", "12,5")], "rentals_share", "12.5"),
    ([("rentals_share", "7.50")], "rentals_share", "7.5"),
    (
        [("effects__housing", "5"), ("effects__heritage", "dk")],
        "effects",
        {"housing": "5", "heritage": "dk"},
    ),
    (
        [("priorities", "funding"), ("priorities", "knowledge"), ("priorities", "regulation")],
        "priorities",
        ["funding", "knowledge", "regulation"],
    ),
    (
        [
            ("priorities__rank__regulation", "3"),
            ("priorities__rank__funding", "1"),
            ("priorities__rank__knowledge", "2"),
        ],
        "priorities",
        ["funding", "knowledge", "regulation"],
    ),
    ([("recommendations", "Line one\r\nline two\x00")], "recommendations", "Line one\nline two"),
]


@pytest.mark.parametrize(("data", "code", "value"), GOOD)
def test_good_values(data, code, value):
    parsed = parse(data)
    assert parsed.errors == {}
    assert parsed.values[code] == value


BAD = [
    ([("org_role", "ceo")], "org_role", "Choose one of the options"),
    ([("org_relevance", "6")], "org_relevance", "point from 1 to 5"),
    ([("org_relevance", "-1")], "org_relevance", "point from 1 to 5"),
    ([("org_country", "XX")], "org_country", "Choose a country"),
    ([("has_regulation", "maybe")], "has_regulation", "Answer yes or no"),
    ([("regulation_since", "31/12/2020")], "regulation_since", "YYYY-MM-DD"),
    ([("regulation_since", "1980-01-01")], "regulation_since", "on or after 1990-01-01"),
    (
        [
            ("measures", "registration"),
            ("measures", "caps"),
            ("measures", "zoning"),
            ("measures", "taxes"),
        ],
        "measures",
        "at most 3",
    ),
    ([("measures", "housing")], "measures", "only among the options"),
    ([("caps_nights", "12.5")], "caps_nights", "whole number from 0 to 365"),
    ([("caps_nights", "400")], "caps_nights", "from 0 to 365"),
    ([("caps_nights", "1e5")], "caps_nights", "digits only"),
    ([("caps_nights", "NaN")], "caps_nights", "digits only"),
    ([("rentals_share", "101")], "rentals_share", "from 0 to 100"),
    ([("effects__housing", "9")], "effects__housing", "for this row"),
    ([("priorities", "funding")], "priorities", "Rank all 3 options"),
    (
        [
            ("priorities__rank__regulation", "1"),
            ("priorities__rank__funding", "1"),
            ("priorities__rank__knowledge", "2"),
        ],
        "priorities",
        "different rank",
    ),
    ([("example_name", "x" * 121)], "example_name", "at most 120 characters (it has 121)"),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD)
def test_bad_values_are_errors_and_keep_what_was_typed(data, field, message):
    parsed = parse(data)
    assert message in parsed.errors[field]
    assert field.split("__")[0] not in parsed.values or field.startswith("effects")
    assert parsed.raw  # shown again to the person


def test_conditions_hide_questions_and_their_answers():
    values = {
        "org_role": "external",
        "has_regulation": "no",
        "measures": ["caps"],
        "priorities": ["funding", "knowledge", "regulation"],
    }
    shown = A.visible_codes(DEFN, values)
    assert "regulation_since" not in shown and "measures" not in shown
    assert "caps_nights" not in shown  # depends on a hidden question
    assert "priorities" not in shown  # its section is hidden for external organisations
    rows = A.to_rows(DEFN, values, {})
    assert {r.question for r in rows} == {"org_role", "has_regulation"}


def test_all_condition():
    base = {"org_role": "action_leader", "has_regulation": "yes"}
    assert "caps_nights" not in A.visible_codes(DEFN, {**base, "measures": ["zoning"]})
    assert "caps_nights" in A.visible_codes(DEFN, {**base, "measures": ["zoning", "caps"]})


def test_missing_lists_required_visible_questions_only():
    problems = A.missing(
        DEFN,
        {"org_role": "other", "has_regulation": "yes", "measures": [], "effects": {"housing": "2"}},
        {},
    )
    assert problems == {
        "org_role": "You chose 'Other': say what it is in the text box.",
        "org_relevance": "Answer this question.",
        "org_country": "Answer this question.",
        "effects": "Rate every row of this table.",
    }
    assert "measures" not in A.missing(DEFN, {"has_regulation": "no"}, {})
    assert (
        A.missing(DEFN, {"has_regulation": "yes", "measures": ["caps"]}, {}).get("measures") is None
    )


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("org_relevance", "1", 0.0),
        ("org_relevance", "4", 0.75),
        ("org_relevance", "dk", None),
        ("has_regulation", "yes", 1.0),
        ("has_regulation", "no", 0.0),
        ("data_source", "scraping", 0.5),
        ("measures", ["registration", "zoning"], 0.5),  # (1 + 0.5) / 3
        ("measures", ["other"], 0.0),
        ("rentals_share", "10", 0.75),  # (10 - 40) / (0 - 40)
        ("rentals_share", "80", 0.0),  # clamped
        ("caps_nights", "30", None),  # no scoring range
        ("org_role", "action_leader", None),  # options without scores
    ],
)
def test_scores(code, value, expected):
    assert (
        A.score(DEFN.by_code[code], value) == pytest.approx(expected)
        if expected is not None
        else A.score(DEFN.by_code[code], value) is None
    )


def test_rows_round_trip():
    values = {
        "org_role": "other",
        "org_relevance": "5",
        "has_regulation": "yes",
        "measures": ["caps", "other"],
        "effects": {"housing": "3", "heritage": "dk"},
        "priorities": ["knowledge", "funding", "regulation"],
        "recommendations": "Share data;\nregulate",
    }
    other = {"org_role": "Observer", "measures": "Night limits"}
    rows = A.to_rows(DEFN, values, other)
    matrix = [r for r in rows if r.question == "effects"]
    assert [(r.item, r.value, r.score) for r in matrix] == [
        ("housing", "3", 0.5),
        ("heritage", "dk", None),
    ]
    assert A.from_rows(DEFN, rows) == (values, other)


def test_merge_keeps_other_pages_and_clears_emptied_fields():
    stored = {"org_role": "action_leader", "has_regulation": "yes"}
    parsed = parse([("has_regulation", "")], codes=["has_regulation", "regulation_since"])
    assert A.merge(stored, parsed) == {"org_role": "action_leader"}


def test_display_in_languages():
    q = DEFN.by_code
    assert A.display(q["has_regulation"], "yes", lang="de") == "Ja"
    assert A.display(q["org_relevance"], "5") == "5 – Central to our work"
    assert A.display(q["caps_nights"], "90", lang="it") == "90 notti"
    assert A.display(q["org_role"], "other", "Observer") == "Other: Observer"
    assert A.display(q["priorities"], ["funding", "regulation", "knowledge"]).startswith(
        "1. Better funding; 2."
    )
    assert A.display(q["org_country"], "DE") == "Germany"
