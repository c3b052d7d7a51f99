"""Reviewers read questions by their label; the internal code stays available in small
type (for the exports and the codebook), never in its place. The organisation's facts in
words (size band, country name)."""

from __future__ import annotations

import re

from app.services.responding import responses as rservice
from tests.conftest import make_org
from tests.review_helpers import COMPLETE, make_response, publish_example


def test_the_review_page_shows_labels_and_codes_in_small_type(client, login_as, db, users):
    questionnaire = publish_example(1)
    city = make_org("Città di Prova", country="IT")
    response = make_response(questionnaire, city)
    login_as("leader1")
    html = client.get(f"/review/{response.id}").get_data(as_text=True)
    assert "<h3>Do you regulate short-term rentals?</h3>" in html
    assert re.search(
        r'<small class="question-code" title="Question code, as in the exports">'
        r'<span class="visually-hidden">Question code: </span>has_regulation</small>',
        html,
    )
    assert '<code class="code">has_regulation</code>' not in html
    # the organisation's facts in words, not codes
    assert "<dt>City size</dt><dd>Medium (50,000 to 250,000)</dd>" in html


def test_dates_and_countries_in_answers_read_as_words(client, login_as, db, users):
    questionnaire = publish_example(1)
    city = make_org("Ville de Test", country="FR")
    response = make_response(questionnaire, city, "draft")
    rservice.save_answers(
        db.session,
        response,
        {**COMPLETE, "regulation_since": "2019-05-01"},
        {},
        user=None,
        expected_lock=None,
    )
    rservice.submit(db.session, response, user=None)
    db.session.commit()
    login_as("admin")
    html = client.get(f"/review/{response.id}?lang=de").get_data(as_text=True)
    assert "01.05.2019" in html and "2019-05-01</div>" not in html
    assert "Deutschland" in html  # org_country DE, in German
    assert "Frankreich (FR)" in html  # the organisation's country
