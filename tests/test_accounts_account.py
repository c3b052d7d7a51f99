"""My account: details, name and language, password change, personal-data download."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models import AuditEntry
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "yet another passphrase"  # noqa: S105 - test value


def test_account_page_shows_the_details(client, login_as):
    login_as("leader1")
    html = client.get("/account").get_data(as_text=True)
    assert "leader1@example.org" in html and "Actions you lead" in html
    assert 'aria-current="page">My account' in html
    assert 'href="/account/data.json"' in html


def test_nav_links(client, login_as):
    login_as("respondent_a")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/account"' in html and 'href="/admin/users/invite"' not in html
    login_as("leader1")
    assert 'href="/admin/users/invite"' in client.get("/").get_data(as_text=True)


def test_login_page_links_to_forgotten_password(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_change_name_and_language(client, login_as, users):
    login_as("respondent_a")
    response = client.post_form(
        "/account/profile", {"display_name": "Rita R.", "locale": "de"}, page="/account"
    )
    assert response.status_code == 302
    assert users["respondent_a"].display_name == "Rita R."
    assert users["respondent_a"].locale == "de"
    assert 'lang="de"' in client.get("/account").get_data(as_text=True)
    client.post_form("/account/profile", {"display_name": "Rita R.", "locale": ""}, page="/account")
    assert users["respondent_a"].locale is None


def test_profile_errors(client, login_as, users):
    login_as("respondent_a")
    html = client.post_form(
        "/account/profile", {"display_name": " ", "locale": "xx"}, page="/account"
    ).get_data(as_text=True)
    assert "Enter your name." in html and "Not a valid choice" in html
    assert users["respondent_a"].display_name == "Respondent A"


def test_change_password(app, client, login_as, users, db):
    other_device = app.test_client()
    login(other_device, "respondent_a@example.org")
    login_as("respondent_a")
    wrong = client.post_form(
        "/account/password",
        {
            "current_password": "not it at all",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
        page="/account",
    )
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    assert users["respondent_a"].check_password(PASSWORD)
    right = client.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page="/account",
    )
    assert right.status_code == 302
    assert users["respondent_a"].check_password(NEW_PASSWORD)
    assert client.get("/account").status_code == 200  # this session continues
    assert other_device.get("/").status_code == 302  # the other one has ended
    assert "password.changed" in db.session.scalars(select(AuditEntry.event)).all()


def test_download_personal_data(client, login_as, users, db):
    login_as("respondent_a")
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "respondent_a@example.org"
    assert data["organisation"]["name"] == "City A"
    assert any(e["event"] == "login.success" for e in data["audit_entries"])
    assert "password_hash" not in json.dumps(data)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.event == "personal_data.downloaded")
    )
    assert entry.user_id == users["respondent_a"].id


def test_account_pages_need_login(client):
    for url in ("/account", "/account/data.json", "/privacy"):
        assert client.get(url).headers["Location"].startswith("/login")
