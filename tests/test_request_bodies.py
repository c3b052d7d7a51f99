"""Forms take form fields, never a JSON body: a JSON body with a valid X-CSRFToken header
gets a 400 with a message (JSON to the autosave script, a page to a browser), never a 500.

Flask-WTF reads a JSON body as the form's fields; a body that was not an object of text
(``[1, 2]``, ``"x"``, ``{"email": [1]}``) gave a 500 on /login, /password/forgot,
/respond/<n>/autosave and every other form (found by hand, issue 14).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from tests.conftest import PASSWORD
from tests.respond_support import ORIGIN, SECTION1, response_of, save, section_url, stored

MESSAGE = "This form takes its fields as a browser sends them (form data), not as JSON."
BODIES = [
    [1, 2],
    "x",
    1,
    None,
    True,
    [],
    {},
    {"email": [1, 2]},
    {"email": {"a": 1}},
    {"email": None, "password": 3},
]


def _post_json(client, url: str, body, token: str, **headers):
    return client.post(
        url,
        data=json.dumps(body),
        headers={"X-CSRFToken": token, "Content-Type": "application/json", **ORIGIN, **headers},
    )


@pytest.mark.parametrize("body", BODIES, ids=json.dumps)
@pytest.mark.parametrize("url", ["/login", "/password/forgot"])
def test_json_to_a_public_form_is_a_400_page(client, users, url, body):
    token = client.csrf_token(url)
    response = _post_json(client, url, body, token)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert MESSAGE in response.get_data(as_text=True)


def test_json_login_with_the_right_password_does_not_log_in(client, users, db):
    """An object of text is refused too: forms have one way in, form fields."""
    token = client.csrf_token("/login")
    body = {"email": users["admin"].email, "password": PASSWORD}
    assert _post_json(client, "/login", body, token).status_code == 400
    assert client.get("/admin/users").status_code == 302  # still logged out
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.event.like("%login%"))) is None


@pytest.mark.parametrize(
    "body", [*BODIES, {"section": "organisation", "org_role": "x"}], ids=json.dumps
)
def test_json_to_the_autosave_is_a_400_in_json(client, db, orgs, questionnaire, login_as, body):
    login_as("respondent_a")
    token = client.csrf_token(section_url("organisation"))
    response = _post_json(client, "/respond/1/autosave", body, token, Accept="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"].startswith(MESSAGE)
    assert response_of(db, orgs["A"]) is None  # nothing saved


def test_json_to_a_questionnaire_page_keeps_the_saved_answers(
    client, db, orgs, questionnaire, login_as
):
    login_as("respondent_a")
    assert save(client, "organisation", SECTION1).status_code == 302
    token = client.csrf_token(section_url("organisation"))
    response = _post_json(client, section_url("organisation"), [1, 2], token)
    assert response.status_code == 400 and MESSAGE in response.get_data(as_text=True)
    assert stored(db, orgs["A"])["org_role"] == SECTION1["org_role"]


def test_a_script_asking_for_json_gets_errors_in_json(client, users, questionnaire, login_as):
    """The autosave asks for JSON: its errors (here a 405) come back as JSON it can show."""
    login_as("respondent_a")
    response = client.get("/respond/1/autosave", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response.get_json()["status"] == 405
    assert client.get("/respond/1/autosave").mimetype == "text/html"  # a browser: a page
