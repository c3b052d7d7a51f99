"""The respondent's pages: "My questionnaires", each question type's rendering and
saving, page titles and languages."""

from __future__ import annotations

import datetime as dt
import re

from app.models import ResponseState, ReviewComment
from app.services.responding import responses as rservice
from tests.respond_support import (
    SECTION1,
    SECTION2,
    SECTION3,
    response_of,
    save,
    section_url,
    stored,
)


def test_respondent_home_is_my_questionnaires(client, users, questionnaire, login_as):
    login_as("respondent_a")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/respond/")
    html = client.get("/respond/").get_data(as_text=True)
    assert "<title>My questionnaires – Tympanum</title>" in html
    assert "Action 1" in html and "Action 2" in html and "Action 3" not in html
    assert "Not started" in html and "Not available yet" in html  # action 2 has none


def test_home_shows_state_remaining_deadline_and_last_editor(
    db, client, users, orgs, questionnaire, login_as
):
    questionnaire.deadline = dt.date(2030, 3, 31)
    db.session.commit()
    login_as("respondent_a")
    save(client, "organisation", {"org_role": "external"})
    login_as("colleague_a")
    html = client.get("/respond/").get_data(as_text=True)
    assert "Draft" in html and "3 answers still needed" in html  # relevance, country, regulation
    assert "31 March 2030" in html
    assert "Respondent A" in html and "Last edited" in html

    response = response_of(db, orgs["A"])
    rservice.save_answers(
        db.session,
        response,
        {**SECTION1, "org_relevance": "4", "has_regulation": "no"},
        {},
        user=users["colleague_a"],
        expected_lock=None,
    )
    rservice.submit(db.session, response, user=users["colleague_a"])
    db.session.commit()
    html = client.get("/respond/").get_data(as_text=True)
    assert "Submitted" in html and "View answers" in html

    rservice.transition(
        db.session, response, ResponseState.RETURNED, user=users["leader1"], comment="More detail"
    )
    db.session.commit()
    assert "Returned with comments" in client.get("/respond/").get_data(as_text=True)

    questionnaire.is_open = False
    db.session.commit()
    html = client.get("/respond/").get_data(as_text=True)
    assert "Closed" in html


def test_section_page_title_progress_and_sections(client, users, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert "<title>Section 2 of 3: Current practice – Action 1 – Tympanum</title>" in html, (
        "the title says where you are"
    )
    assert "Section 2 of 3" in html
    assert 'value="organisation" class="link-button-plain"' in html
    assert 'aria-current="step"' in html
    assert "Complete" in html  # section 1


def test_every_type_is_rendered_accessibly(client, users, questionnaire, login_as):
    login_as("respondent_a")
    html = client.get(section_url("organisation")).get_data(as_text=True)
    # single choice: a fieldset with a legend, radios with labels, "other" with a text box
    assert re.search(r'<fieldset class="field choice-group" id="g-org_role"', html)
    assert 'id="f-org_role-action_leader" name="org_role" value="action_leader"' in html
    assert '<label for="f-org_role-action_leader">We lead this action</label>' in html
    assert 'name="org_role__other"' in html and 'for="f-org_role__other"' in html
    # required marker, spoken
    assert '<span class="visually-hidden"> (required)</span>' in html
    # likert: 5 points with end labels and "don't know"
    for point in range(1, 6):
        assert f'id="f-org_relevance-{point}" name="org_relevance" value="{point}"' in html
    assert "Not relevant" in html and "Central to our work" in html
    assert 'value="dk"' in html and "Don&#39;t know / not applicable" in html
    assert 'id="org_relevance-hint"' in html and 'aria-describedby="org_relevance-hint' in html
    # country: a select with every country
    assert '<select id="f-org_country" name="org_country"' in html
    assert '<option value="DE">Germany</option>' in html

    save(client, "organisation", SECTION1)
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert 'id="f-has_regulation-yes"' in html and ">Yes</label>" in html
    assert 'type="date" id="f-regulation_since"' in html and 'min="1990-01-01"' in html
    assert 'type="checkbox" id="f-measures-caps"' in html and "Choose from 1 to 3." in html
    assert 'inputmode="numeric" id="f-caps_nights"' in html and ">nights</span>" in html
    assert 'inputmode="decimal" id="f-rentals_share"' in html
    # matrix: one fieldset per row, each with its legend, radios labelled in full
    assert html.count('<fieldset class="matrix-row"') == 2
    assert '<legend class="matrix-item">Housing prices</legend>' in html
    assert 'id="f-effects__housing-3" name="effects__housing" value="3"' in html
    assert "3 – Moderately" in html

    html = client.get(section_url("needs")).get_data(as_text=True)
    # ranking without JavaScript: a rank select per option
    assert '<select id="f-priorities__rank__funding" name="priorities__rank__funding"' in html
    assert '<label for="f-priorities__rank__funding" class="rank-label">Better funding' in html
    # The browser's limit without JavaScript; respond.js swaps it for the counter.
    assert ' maxlength="120"' in html.split('id="f-example_name"')[1].split(">")[0]
    assert 'textarea id="f-recommendations"' in html and 'data-maxlength="2000"' in html


def test_every_type_saves_and_shows_again(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    for section, data in (("organisation", SECTION1), ("practice", SECTION2), ("needs", SECTION3)):
        response = save(client, section, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    values = stored(db, orgs["A"])
    assert values == {
        "org_role": "action_leader",
        "org_relevance": "4",
        "org_country": "DE",
        "has_regulation": "yes",
        "regulation_since": "2019-05-01",
        "measures": ["caps", "zoning"],
        "caps_nights": "60",
        "rentals_share": "12.5",
        "effects": {"housing": "4", "heritage": "dk"},
        "data_source": "platforms",
        "priorities": ["funding", "regulation", "knowledge"],
        "example_name": "Registration in Lisbon",
        "recommendations": "Share data across cities.\nFund monitoring.",
    }
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert 'value="yes" checked' in html and 'value="2019-05-01"' in html
    assert 'id="f-measures-caps" name="measures" value="caps" checked' in html
    assert 'id="f-effects__heritage-dk" name="effects__heritage" value="dk" checked' in html
    assert 'value="12.5"' in html
    html = client.get(section_url("needs")).get_data(as_text=True)
    assert re.search(r'name="priorities__rank__funding".*?<option value="1" selected>', html, re.S)
    assert "Share data across cities.\nFund monitoring.</textarea>" in html


def test_other_please_specify_is_kept(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", {"org_role": "other", "org_role__other": "Observer city"})
    response = response_of(db, orgs["A"])
    values, other = rservice.stored_values(db.session, response)
    assert values["org_role"] == "other" and other == {"org_role": "Observer city"}
    html = client.get(section_url("organisation")).get_data(as_text=True)
    assert 'value="Observer city"' in html


def test_german_page_translates_interface_questions_and_countries(
    client, users, questionnaire, login_as
):
    login_as("respondent_a")
    html = client.get(section_url("organisation") + "?lang=de").get_data(as_text=True)
    assert '<html lang="de">' in html
    assert "Ihre Organisation und diese Maßnahme" in html  # section title in German
    assert "Wie relevant ist das Thema für Ihre tägliche Arbeit?" in html
    assert "How does your organisation relate to this action?" in html  # English fallback
    assert '<option value="DE">Deutschland</option>' in html
    assert "Weiter" in html and "Entwurf speichern" in html  # Next, Save draft
    assert "Abschnitt 1 von 2" in html
    save(client, "organisation", SECTION1)
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert ">Ja</label>" in html and ">Nein</label>" in html
    assert ">Nächte</span>" in html


def test_french_and_italian_interfaces(client, users, questionnaire, login_as):
    login_as("respondent_a")
    html = client.get("/respond/?lang=fr").get_data(as_text=True)
    assert "Mes questionnaires" in html and "Pas encore commencé" in html
    html = client.get("/respond/?lang=it").get_data(as_text=True)
    assert "I miei questionari" in html and "Non ancora iniziato" in html


def test_format_errors_show_a_summary_and_keep_what_was_typed(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    save(client, "organisation", SECTION1)
    response = save(
        client,
        "practice",
        {
            "has_regulation": "yes",
            "caps_nights": "",
            "rentals_share": "lots",
            "data_source": "none",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div class="error-summary" role="alert"' in html
    assert '<a href="#f-rentals_share">Enter a number from 0 to 100, using digits only' in html
    assert 'id="rentals_share-error"' in html
    assert re.search(r'id="f-rentals_share"[^>]*value="lots"', html)
    assert re.search(r'id="f-rentals_share"[^>]*aria-describedby="[^"]*rentals_share-error', html)
    assert html.count('aria-invalid="true"') == 1
    assert "<title>Error: Section 2 of 3" in html
    # the valid answers on the page were saved; the bad one was not
    values = stored(db, orgs["A"])
    assert values["has_regulation"] == "yes" and values["data_source"] == "none"
    assert "rentals_share" not in values


def test_error_messages_are_translated(client, users, questionnaire, login_as):
    login_as("respondent_a")
    client.get("/respond/?lang=de")
    save(client, "organisation", SECTION1)
    html = save(client, "practice", {"rentals_share": "viel"}).get_data(as_text=True)
    assert "Geben Sie eine Zahl von 0 bis 100 ein" in html


def test_review_comments_show_beside_their_questions(
    db, client, users, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    for section, data in (("organisation", SECTION1), ("practice", SECTION2), ("needs", SECTION3)):
        save(client, section, data)
    response = response_of(db, orgs["A"])
    rservice.submit(db.session, response, user=users["respondent_a"])
    rservice.transition(
        db.session,
        response,
        ResponseState.RETURNED,
        user=users["leader1"],
        comment="Please say more about your data.",
    )
    db.session.add(
        ReviewComment(
            response=response, question_code="data_source", body="Which platforms exactly?"
        )
    )
    db.session.commit()
    html = client.get(section_url("practice")).get_data(as_text=True)
    assert "Returned to you with comments" in html
    assert "Please say more about your data." in html
    after_question = html.split('id="q-data_source"')[1]
    assert "Which platforms exactly?" in after_question.split('id="q-')[0]
    html = client.get("/respond/1/").get_data(as_text=True)
    assert "Leader1 returned this questionnaire" in html
    # editable again, and can be submitted again
    assert save(client, "practice", {"data_source": "scraping"}).status_code == 302


def test_no_attribute_is_rendered_as_none(client, users, questionnaire, login_as):
    for html in (
        client.get("/login").get_data(as_text=True),
        login_as("respondent_a").get(section_url("practice")).get_data(as_text=True),
    ):
        assert '="None"' not in html
