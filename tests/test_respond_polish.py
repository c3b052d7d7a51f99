"""The respondent's section pages: a half-rated table said on leaving the section, the
section counter explained when an answer adds or removes a section, text limits in the
browser and oversized pages sent back to the section."""

from __future__ import annotations

from html import unescape

import pytest

from tests.respond_support import (
    ORIGIN,
    SECTION1,
    SECTION2,
    SECTION3,
    save,
    section_url,
    stored,
)

HALF = {**SECTION2, "effects__heritage": ""}  # one row of two rated


def test_leaving_a_half_rated_table_says_so_on_the_section_and_keeps_it(
    client, login_as, questionnaire, orgs, db
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1, nav="next")
    response = save(client, "practice", HALF, nav="next")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/respond/1/section/practice?then=needs#unfinished"
    assert stored(db, orgs["A"])["effects"] == {"housing": "4"}  # saved anyway
    html = unescape(client.get(location).get_data(as_text=True))
    assert "A table on this page is not finished" in html
    assert "1 of 2 rows rated." in html and 'href="#g-effects"' in html
    assert "Your answers were saved. A table on this page is not finished." in html
    # The way on is one click, to where "Next" was going.
    assert 'href="/respond/1/section/needs"' in html and "Continue without finishing" in html


def test_a_finished_table_or_saving_in_place_goes_on_as_before(
    client, login_as, questionnaire, orgs
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1, nav="next")
    assert save(client, "practice", SECTION2, nav="next").headers["Location"].endswith("/needs")
    stay = save(client, "practice", HALF, nav="save")
    assert stay.headers["Location"] == "/respond/1/section/practice"
    # The notice stays on the page while the table is half rated, without "continue".
    html = client.get("/respond/1/section/practice").get_data(as_text=True)
    assert 'id="unfinished"' in html and "Continue without finishing" not in html


def test_an_answer_that_adds_or_removes_a_section_says_so(client, login_as, questionnaire):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "external"}, nav="save")
    page = client.get(section_url("organisation")).get_data(as_text=True)
    assert "Section 1 of 2" in page
    save(client, "organisation", SECTION1, nav="save")
    page = unescape(client.get(section_url("organisation")).get_data(as_text=True))
    assert "Because of your answers, 1 section was added: What you need" in page
    assert "There are now 3 sections." in page and "Section 1 of 3" in page
    save(client, "organisation", {**SECTION1, "org_role": "external"}, nav="save")
    page = unescape(client.get(section_url("organisation")).get_data(as_text=True))
    assert "Because of your answers, 1 section no longer applies: What you need" in page


def test_text_fields_carry_their_maximum_length(client, login_as, questionnaire):
    login_as("respondent_a")
    save(client, "organisation", SECTION1, nav="next")
    html = client.get(section_url("needs")).get_data(as_text=True)
    assert 'name="example_name" maxlength="120"' in html  # the short text's own limit
    assert 'name="recommendations" maxlength="2000"' in html  # the long text


def test_the_largest_page_that_respects_the_limits_is_accepted(
    client, login_as, questionnaire, orgs, db
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1, nav="next")
    # Every text at its limit, in 4-byte characters: 12 bytes each once URL-encoded.
    full = {"example_name": "🏛" * 120, "recommendations": "🏛" * 2000}
    response = save(client, "needs", {**SECTION3, **full}, nav="save")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored(db, orgs["A"])["recommendations"] == "🏛" * 2000


def test_an_oversized_page_returns_to_the_section_with_a_message(
    client, login_as, questionnaire, app
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1, nav="next")
    url = section_url("needs")
    token = client.csrf_token(url)
    too_big = app.config["RESPOND_MAX_CONTENT_LENGTH"] + 1
    response = client.post(
        url, data={"csrf_token": token, "recommendations": "x" * too_big}, headers=ORIGIN
    )
    assert response.status_code == 303 and response.headers["Location"] == url
    html = client.get(url).get_data(as_text=True)
    assert "This page was too large to save" in html


@pytest.mark.parametrize("path", ["/respond/1/autosave"])
def test_an_oversized_autosave_answers_json(client, login_as, questionnaire, app, path):
    login_as("respondent_a")
    token = client.csrf_token(section_url("needs"))
    too_big = app.config["RESPOND_MAX_CONTENT_LENGTH"] + 1
    response = client.post(
        path,
        data={"csrf_token": token, "section": "needs", "recommendations": "x" * too_big},
        headers={**ORIGIN, "Accept": "application/json"},
    )
    assert response.status_code == 413 and response.is_json


def test_every_shipped_page_fits_under_the_respondents_limit(app):
    from pathlib import Path

    from app.definitions.model import PAGE_BYTES_LIMIT, largest_post_bytes
    from app.definitions.validate import validate_file

    assert app.config["RESPOND_MAX_CONTENT_LENGTH"] >= PAGE_BYTES_LIMIT
    assert app.config["RESPOND_MAX_CONTENT_LENGTH"] > app.config["MAX_CONTENT_LENGTH"]
    folder = Path(__file__).resolve().parent.parent / "app/definitions/questionnaires"
    files = sorted(folder.glob("*.yaml"))
    assert files
    for path in files:
        result = validate_file(path)
        assert result.ok, result.errors
        for section in result.definition["sections"]:
            assert largest_post_bytes(section) < PAGE_BYTES_LIMIT, (path.name, section["code"])


def test_a_section_that_could_send_more_than_a_page_may_is_refused():
    from app.definitions.validate import validate_text
    from tests.test_definitions_validate import EXAMPLE

    texts = "".join(
        f"      - code: essay_{n}\n        type: long_text\n        label: Essay {n}\n"
        "        max_length: 20000\n"
        for n in range(40)
    )
    source = EXAMPLE.read_text(encoding="utf-8")
    anchor = "  - code: needs\n"
    extra = "  - code: essays\n    title: Essays\n    questions:\n" + texts
    result = validate_text(source.replace(anchor, extra + anchor))
    assert not result.ok
    assert any("more than a page may send" in e.message for e in result.errors)
