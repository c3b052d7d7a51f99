"""E-mail through a real SMTP server (aiosmtpd): invitation and reset links, end to end."""

from __future__ import annotations

import logging
import re
import threading

import pytest
from sqlalchemy import event, select

from app import mail
from app.models import AuditEntry, User
from tests.conftest import free_port, login

NEW_PASSWORD = "a brand new passphrase"  # noqa: S105 - test value
LINK_RE = re.compile(r"http://localhost(/\S+)")


def link_path(message) -> str:
    body = message.get_content()
    match = LINK_RE.search(body)
    assert match, body
    return match.group(1)


@pytest.fixture
def mail_log():
    """Records what the "tympanum.mail" logger says (it does not propagate to root)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("tympanum.mail")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_deliver_sends_plain_text(app, mail_server):
    assert mail.deliver(app.config, "someone@example.org", "Hello", "Line one\nLine two").sent
    (message,) = mail_server.wait_for(1)
    assert message["Subject"] == "Hello"
    assert message["To"] == "someone@example.org"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n").strip() == "Line one\nLine two"
    assert mail_server.recipients == [["someone@example.org"]]


def test_without_mail_server_the_message_is_logged_not_sent(app, mail_log):
    assert app.config["MAIL_SERVER"] == ""
    result = mail.deliver(app.config, "someone@example.org", "Subject here", "The link: http://x/y")
    assert result.logged and not result.sent
    logged = "\n".join(r.getMessage() for r in mail_log)
    assert "not configured" in logged and "http://x/y" in logged and "someone@example.org" in logged


def test_smtp_failure_is_reported_as_worth_a_retry_and_logged(app, mail_log):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    result = mail.deliver(app.config, "someone@example.org", "Subject", "Body")
    assert not result.sent and not result.permanent and "Connection" in result.error
    assert any(r.levelno == logging.ERROR and "failed" in r.getMessage() for r in mail_log)


def test_invitation_by_mail_end_to_end(client, login_as, users, orgs, db, mail_server):
    login_as("admin")
    response = client.post_form(
        "/admin/users/invite",
        {
            "email": "Newcomer@Example.org",
            "display_name": "Nina Newcomer",
            "role": "respondent",
            "organisation": str(orgs["A"].id),
            "actions": ["1"],
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Invitation sent to newcomer@example.org" in html
    assert "/invite/" not in html  # the link went by mail, it is not shown
    (message,) = mail_server.wait_for(1)
    assert message["To"] == "newcomer@example.org"
    assert message["Subject"] == "Your invitation to Tympanum"
    body = message.get_content()
    assert "Nina Newcomer" in body and "City A" in body and "Action 1" in body
    path = link_path(message)
    assert path.startswith("/invite/")

    client.post_form("/logout", page="/")
    page = client.get(path)
    assert page.status_code == 200
    assert "newcomer@example.org" in page.get_data(as_text=True)
    accepted = client.post_form(
        path,
        {"display_name": "Nina N.", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    assert user.active and user.display_name == "Nina N." and user.check_password(NEW_PASSWORD)
    # Logged in; the first page they get is the privacy notice.
    assert client.get("/").headers["Location"].startswith("/privacy")
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert "invitation.sent" in events and "invitation.accepted" in events
    # The link works once.
    assert client.get(path).status_code == 410


def test_password_reset_by_mail_end_to_end(app, client, users, db, mail_server):
    other_device = app.test_client()
    assert login(other_device, "respondent_a@example.org").status_code == 302
    assert other_device.get("/", follow_redirects=True).status_code == 200

    client.post_form("/password/forgot", {"email": "nobody@example.org"})  # no mail for this
    response = client.post_form("/password/forgot", {"email": "respondent_a@example.org"})
    assert response.status_code == 302
    (message,) = mail_server.wait_for(1)
    assert message["To"] == "respondent_a@example.org"
    assert message["Subject"] == "Reset your Tympanum password"
    assert "24 hours" in message.get_content()
    path = link_path(message)
    assert path.startswith("/password/reset/")

    assert client.get(path).status_code == 200
    done = client.post_form(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/", follow_redirects=True).status_code == 200  # logged in
    assert other_device.get("/").status_code == 302  # the other session has ended
    assert users["respondent_a"].check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 410
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert "password_reset.requested" in events and "password_reset.done" in events


def test_admin_sends_a_reset_link_by_mail(client, login_as, users, mail_server):
    login_as("admin")
    user_id = users["leader1"].id
    html = client.post_form(
        f"/admin/users/{user_id}/send-reset", page=f"/admin/users/{user_id}/account"
    ).get_data(as_text=True)
    assert "A password-reset link has been sent to leader1@example.org" in html
    (message,) = mail_server.wait_for(1)
    assert link_path(message).startswith("/password/reset/")


def test_the_forgotten_password_answer_does_the_same_work_for_any_address(
    client, db, users, mail_server
):
    """Reset timing (security issue 14): the answer took longer for an address with an
    account (the link was made, stored and audited while the person waited). Now the
    request runs the same statements whichever the address (it writes one outbox row);
    the lookup, the link and the e-mail are the worker's. bench/bench_reset_timing.py
    measures the times."""
    request_thread = threading.get_ident()  # the test client runs the app on this thread
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == request_thread:
            statements.append(statement)

    answers = {}
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for email in ("respondent_a@example.org", "nobody@example.org"):
            token = client.csrf_token("/password/forgot")
            statements.clear()
            response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
            answers[email] = (response.status_code, response.headers["Location"], [*statements])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert answers["respondent_a@example.org"] == answers["nobody@example.org"]
    (message,) = mail_server.wait_for(1)
    assert message["To"] == "respondent_a@example.org"
