"""Caching: static files are the only cacheable responses; everything else the app
answers carries ``Cache-Control: no-store`` (pages, exports, the audit CSV, personal
data, API responses, errors), so no browser or proxy keeps answers or personal data.

The audit CSV and every API response had no Cache-Control at all (issue 14).
"""

from __future__ import annotations

import pytest

from app.services.people import api_tokens
from tests.export_helpers import golden_responses
from tests.respond_support import fill_all


@pytest.fixture
def data(db, users):
    return golden_responses()


@pytest.fixture
def bearer(db, users):
    _token, secret = api_tokens.create_token(db.session, users["admin"], "cache")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _no_store(response) -> bool:
    return response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/audit.csv",
        "/actions/1/exports/download?layout=wide",
        "/actions/1/exports/download?layout=long",
        "/actions/1/exports/download?format=xlsx",
        "/results/report.csv",
        "/account/data.json",
        "/admin/audit",
        "/review/",
        "/review/1",
        "/results/",
        "/admin/users",
        "/account",
        "/nowhere",
    ],
)
def test_what_a_signed_in_person_downloads_or_reads_is_never_stored(client, login_as, data, url):
    login_as("admin")
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert _no_store(response), (url, response.headers.get("Cache-Control"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/me",
        "/api/v1/actions",
        "/api/v1/actions/1/responses",
        "/api/v1/responses/1",
        "/api/v1/results/themes",
        "/api/v1/openapi.json",
        "/api/v1/responses/999999",
    ],
)
def test_every_api_response_is_never_stored(client, data, bearer, url):
    response = client.get(url, headers=bearer)
    assert _no_store(response), (url, response.status_code)
    assert _no_store(client.get(url))  # without a token: 401 (or the public document)


def test_a_respondents_answers_are_never_stored(client, login_as, questionnaire):
    login_as("respondent_a")
    fill_all(client)
    for url in ("/respond/1/", "/respond/1/section/practice", "/respond/1/review"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


@pytest.mark.parametrize("url", ["/login", "/password/forgot", "/privacy-notice", "/healthz"])
def test_public_answers_are_not_stored_either(client, url):
    """A public page carries a form's security token or per-visitor state."""
    assert _no_store(client.get(url))


def test_static_files_stay_cacheable(client, login_as, users):
    for who in (None, "admin"):
        if who:
            login_as(who)
        response = client.get("/static/css/app.css")
        response.close()  # a file response: let go of the file
        assert response.status_code == 200 and not _no_store(response)
        assert response.headers.get("ETag")  # revalidated, then served from the cache
        assert _no_store(client.get("/static/css/nowhere.css"))  # a 404 page is not a file
