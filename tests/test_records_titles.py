"""Questionnaire titles carry their action number once (issue 17: the receipt read
"Action 1: Action 1: ...")."""

from __future__ import annotations

import re

import pytest

from app.labels import numbered_title
from tests.respond_support import fill_all


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Action 1: Sharing economy", "Action 1: Sharing economy"),
        ("Maßnahme 1: Sharing Economy", "Maßnahme 1: Sharing Economy"),
        ("Action 1 : Économie du partage", "Action 1 : Économie du partage"),
        ("Test questionnaire", "Action 1: Test questionnaire"),
        ("Action 11: Local services", "Action 1: Action 11: Local services"),
    ],
)
def test_numbered_title(app, title, expected):
    with app.test_request_context():
        assert numbered_title(1, title) == expected


def test_the_receipt_and_overview_name_the_action_once(client, users, questionnaire, login_as):
    login_as("respondent_a")
    fill_all(client)
    html = client.get("/respond/1/review").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
    posted = client.post_form("/respond/1/submit", {"lock_version": lock}, page="/respond/1/review")
    assert posted.status_code == 302
    receipt = client.get("/respond/1/receipt").get_data(as_text=True)
    assert "<dd>Action 1: Sharing economy and short-term rentals (example)</dd>" in receipt
    overview = client.get("/respond/1/").get_data(as_text=True)
    assert "<title>Action 1: Sharing economy and short-term rentals (example)" in overview
