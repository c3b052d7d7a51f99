"""Conditional questions: correct without JavaScript (the server re-evaluates conditions
on every save) and described for the page script."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.respond_support import SECTION1, save, section_url, stored


def _question_tag(html: str, code: str) -> str:
    return re.search(rf'<div class="question[^"]*" id="q-{code}"[^>]*>', html).group(0)


def test_questions_hidden_until_their_condition_holds(client, users, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    html = client.get(section_url("practice")).get_data(as_text=True)
    for code in ("regulation_since", "measures", "caps_nights"):
        assert " hidden" in _question_tag(html, code), code
    assert " hidden" not in _question_tag(html, "has_regulation")
    # the script gets each condition as data
    condition = re.search(r'data-show-if="([^"]+)"', _question_tag(html, "caps_nights")).group(1)
    assert json.loads(unescape(condition)) == {
        "all": [
            {"question": "has_regulation", "equals": "yes"},
            {"question": "measures", "any_of": ["caps"]},
        ]
    }


def test_without_javascript_a_question_appears_after_save_draft(
    client, users, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    response = save(client, "practice", {"has_regulation": "yes"}, nav="save")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert " hidden" not in _question_tag(html, "regulation_since")
    assert " hidden" not in _question_tag(html, "measures")
    assert " hidden" in _question_tag(html, "caps_nights")  # needs "caps" among the measures
    response = save(client, "practice", {"has_regulation": "yes", "measures": ["caps"]})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert " hidden" not in _question_tag(html, "caps_nights")


def test_hidden_questions_are_neither_stored_nor_required(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    save(
        client,
        "practice",
        {
            "has_regulation": "no",
            "measures": ["caps"],
            "caps_nights": "30",
            "regulation_since": "2020-01-01",
        },
    )
    values = stored(db, orgs["A"])
    assert values["has_regulation"] == "no"
    assert not {"measures", "caps_nights", "regulation_since"} & set(values)
    # turning a question off drops the answers that depended on it
    save(client, "practice", {"has_regulation": "yes", "measures": ["caps"], "caps_nights": "30"})
    assert stored(db, orgs["A"])["caps_nights"] == "30"
    save(client, "practice", {"has_regulation": "no", "measures": ["caps"], "caps_nights": "30"})
    assert "caps_nights" not in stored(db, orgs["A"])
    # and what is hidden is not asked for on the review page
    html = client.get("/respond/1/review").get_data(as_text=True)
    assert "How many nights per year are allowed?" not in html


def test_a_whole_section_follows_its_condition(client, users, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "external"})
    html = client.get("/respond/1/").get_data(as_text=True)
    assert "What you need" not in html
    save(client, "organisation", {**SECTION1, "org_role": "action_member"})
    html = client.get("/respond/1/").get_data(as_text=True)
    assert "What you need" in html


def test_the_script_gets_the_answers_from_other_pages_it_needs(
    client, users, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    html = client.get(section_url("needs")).get_data(as_text=True)
    known = json.loads(unescape(re.search(r"data-known='([^']*)'", html).group(1)))
    assert known == {"org_relevance": "4"}  # example_name shows once relevance is answered
    assert " hidden" not in _question_tag(html, "example_name")
