"""The read-only questionnaire pages."""

from __future__ import annotations

import pytest

from app.definitions.validate import validate_file
from app.services.questionnaires import versions as service
from tests.test_definitions_validate import EXAMPLE


@pytest.fixture
def published(db):
    outcome = service.import_definition(db.session, validate_file(EXAMPLE))
    version = service.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return version


def test_admin_sees_list_and_details(client, login_as, published):
    login_as("admin")
    html = client.get("/questionnaires/").get_data(as_text=True)
    assert "a01_example" in html and "v1 published" in html
    html = client.get("/questionnaires/1").get_data(as_text=True)
    assert "Do you regulate short-term rentals?" in html
    assert "Shown only if has_regulation is “Yes”" in html
    assert "(measures includes any of “Caps on nights per year”)" in html
    assert "Social inclusion and territorial cohesion × 1" in html  # matrix item weight
    assert "scored from 40 (0) to 0 (1)" in html
    assert "Answers quoted for" in html


def test_page_in_german(client, login_as, published):
    login_as("admin")
    html = client.get("/questionnaires/1?lang=de").get_data(as_text=True)
    assert "Sharing Economy und Kurzzeitvermietung (Beispiel)" in html
    assert 'lang="de"' in html


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("leader1", "/questionnaires/1", 200),
        ("leader2", "/questionnaires/1", 403),
        ("coordinator", "/questionnaires/1", 200),
        ("respondent_a", "/questionnaires/1", 403),
        ("admin", "/questionnaires/2", 404),
        ("admin", "/questionnaires/1/v9", 404),
        ("admin", "/questionnaires/1/v1", 200),
    ],
)
def test_access(client, login_as, published, who, url, status):
    login_as(who)
    assert client.get(url).status_code == status
