"""Fixtures and helpers for the respondent pages' tests (tests/test_respond_*.py).

- ``questionnaire``: docs/example-questionnaire.yaml imported and published as action 1.
- ``SECTION1`` / ``SECTION2`` / ``SECTION3``: complete answers to each section, as posted.
- ``save(client, section, data)``: post a section page as a browser does (CSRF token,
  the page's lock_version and digests, a same-origin header).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.definitions.validate import validate_file
from app.models import Response
from app.services.questionnaires import versions as qservice
from app.services.responding import responses as rservice
from tests.test_definitions_validate import EXAMPLE

ORIGIN = {"Origin": "http://localhost"}

SECTION1 = {"org_role": "action_leader", "org_relevance": "4", "org_country": "DE"}
SECTION2 = {
    "has_regulation": "yes",
    "regulation_since": "2019-05-01",
    "measures": ["caps", "zoning"],
    "caps_nights": "60",
    "rentals_share": "12,5",
    "effects__housing": "4",
    "effects__heritage": "dk",
    "data_source": "platforms",
}
SECTION3 = {
    "priorities__rank__regulation": "2",
    "priorities__rank__funding": "1",
    "priorities__rank__knowledge": "3",
    "example_name": "Registration in Lisbon",
    "recommendations": "Share data across cities.\nFund monitoring.",
}


@pytest.fixture
def questionnaire(db):
    outcome = qservice.import_definition(db.session, validate_file(EXAMPLE))
    qservice.publish(db.session, outcome.version.questionnaire)
    db.session.commit()
    return outcome.version.questionnaire


def page_state(html: str) -> dict[str, str]:
    """The hidden fields of a section page (lock_version, base, section)."""
    state = {}
    for name in ("lock_version", "base", "section"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
            rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html
        )
        state[name] = unescape(match.group(1)) if match else ""
    return state


def section_url(section: str, action: int = 1) -> str:
    return f"/respond/{action}/section/{section}"


def save(client, section: str, data: dict, nav: str = "save", state: dict | None = None, **kw):
    """Post a section as a browser would after loading it (or with the given ``state``)."""
    url = section_url(section)
    if state is None:
        state = page_state(client.get(url).get_data(as_text=True))
    form = {**state, **data, "nav": nav}
    return client.post_form(url, form, page=url, headers=ORIGIN, **kw)


def response_of(db, org) -> Response | None:
    db.session.expire_all()
    return db.session.scalar(select(Response).where(Response.organisation_id == org.id))


def stored(db, org) -> dict:
    response = response_of(db, org)
    return rservice.stored_values(db.session, response)[0] if response else {}


def fill_all(client) -> None:
    for section, data in (
        ("organisation", SECTION1),
        ("practice", SECTION2),
        ("needs", SECTION3),
    ):
        response = save(client, section, data, nav="next")
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
