"""Privacy consent: the redirect at first login and after a new version, acceptance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.account.notice import render_markdown
from app.models import AuditEntry
from tests.conftest import login


@pytest.fixture
def newcomer(users, db):
    """A user who has never accepted the privacy notice."""
    user = users["respondent_a"]
    user.privacy_version = None
    user.privacy_accepted_at = None
    db.session.commit()
    return user


def test_first_login_goes_to_the_privacy_notice(client, newcomer):
    response = login(client, newcomer.email)
    assert response.headers["Location"] == "/"
    redirected = client.get("/")
    assert redirected.status_code == 302
    assert redirected.headers["Location"] == "/privacy?next=/"
    page = client.get("/privacy?next=/").get_data(as_text=True)
    assert "Before you start" in page and "Who is responsible" in page
    assert "60 months" in page  # RETENTION_MONTHS
    assert client.get("/account").headers["Location"].startswith("/privacy")


def test_accepting_records_version_and_time_and_returns(client, newcomer, app, db):
    login(client, newcomer.email)
    client.get("/account")
    response = client.post_form("/privacy", {"agree": "y", "next": "/account"}, page="/privacy")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert newcomer.privacy_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert newcomer.privacy_accepted_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "privacy.accepted"))
    assert entry.user_id == newcomer.id
    assert entry.details == {"version": app.config["PRIVACY_NOTICE_VERSION"]}
    assert client.get("/", follow_redirects=True).status_code == 200
    assert "You accepted this version" in client.get("/privacy").get_data(as_text=True)


def test_not_ticking_the_box_is_an_error(client, newcomer):
    login(client, newcomer.email)
    html = client.post_form("/privacy", {"next": "/"}).get_data(as_text=True)
    assert "Tick the box to confirm" in html
    assert newcomer.privacy_version is None


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x"])
def test_next_after_accepting_stays_local(client, newcomer, unsafe):
    login(client, newcomer.email)
    response = client.post_form("/privacy", {"agree": "y", "next": unsafe})
    assert response.headers["Location"] == "/"


def test_a_new_version_asks_again(client, login_as, app):
    login_as("leader1")
    assert client.get("/").status_code == 200
    app.config["PRIVACY_NOTICE_VERSION"] = "2099-01"
    assert client.get("/").headers["Location"].startswith("/privacy")
    assert "has changed since you last read it" in client.get("/privacy").get_data(as_text=True)


def test_some_pages_work_before_accepting(client, newcomer):
    login(client, newcomer.email)
    assert client.get("/healthz").status_code == 200
    assert client.get("/privacy-notice").status_code == 200
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200
    assert client.get("/api/v1/anything").status_code == 404  # not redirected
    assert client.get("/no-such-page").status_code == 404
    response = client.post_form("/logout", page="/privacy")
    assert response.headers["Location"] == "/login"


def test_public_privacy_notice(client):
    response = client.get("/privacy-notice")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Privacy notice</h1>" in html and "coordinators" in html
    assert "Version 2026-11" in html and "{retention_months}" not in html
    assert 'href="/privacy-notice"' in client.get("/login").get_data(as_text=True)


def test_notice_markdown_is_escaped():
    html = str(
        render_markdown(
            "# Title <b>\n\nText with **bold** and [a link](https://example.org) and "
            '[bad](javascript:alert(1)) <script>x</script>\n\n- one\n- two "quoted"'
        )
    )
    assert "<h1>Title &lt;b&gt;</h1>" in html
    assert "<strong>bold</strong>" in html and '<a href="https://example.org">a link</a>' in html
    assert "javascript:" in html and 'href="javascript' not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul><li>one</li><li>two &#34;quoted&#34;</li></ul>" in html


def test_notice_markdown_joins_lines():
    html = str(render_markdown("A **bold\nphrase** here.\n\n- item\n  continued"))
    assert html == "<p>A <strong>bold phrase</strong> here.</p>\n<ul><li>item continued</li></ul>"
