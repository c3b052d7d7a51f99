"""Reviewers read questions by their label; the internal code stays available in small
type (for the exports and the codebook), never in its place. The organisation's facts in
words (size band, country name)."""

from __future__ import annotations

import re

from tests.conftest import make_org
from tests.review_helpers import make_response, publish_example


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
