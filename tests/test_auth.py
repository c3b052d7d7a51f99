"""Login, logout, the generic failure message, redirects and CSRF (the login limits:
tests/test_auth_throttle.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from tests.conftest import PASSWORD, login


def test_login_page_renders(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'lang="en"' in html and "<title>Log in – Tympanum</title>" in html


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_success_records_audit_and_last_login(client, users, db):
    response = login(client, "Admin@Example.org")  # e-mail is case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert users["admin"].last_login_at is not None
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert "login.success" in events
    assert "Ada" not in client.get("/").get_data(as_text=True)  # sanity: page renders
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("admin@example.org", "wrong password!"),
        ("nobody@example.org", PASSWORD),
        ("", PASSWORD),
    ],
)
def test_failed_logins_share_one_generic_message(client, users, email, password):
    response = login(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if email:
        assert "Incorrect e-mail address or password" in html
    else:
        assert "Enter your e-mail address." in html
    assert "error-summary" in html
    assert client.get("/").status_code == 302  # still logged out


def test_inactive_account_cannot_log_in(client, users, db):
    users["admin"].active = False
    db.session.commit()
    html = login(client, "admin@example.org").get_data(as_text=True)
    assert "Incorrect e-mail address or password" in html


def test_failed_login_is_audited_without_password(client, users, db):
    login(client, "admin@example.org", "guess-guess-guess")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "login.failure"))
    assert entry.actor == "admin@example.org"
    assert "guess" not in str(entry.details)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/users", "/admin/users"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_parameter_accepts_local_paths_only(client, users, next_url, expected):
    response = login(client, "admin@example.org", next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_starts_a_fresh_session(client, users):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "admin@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session(client, login_as):
    login_as("admin")
    assert client.get("/").status_code == 200
    response = client.post_form("/logout", page="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(client, users):
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, login_as):
    login_as("admin")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_deactivation_ends_open_sessions(client, login_as, users, db):
    from app.services.people.accounts import deactivate

    login_as("respondent_a")
    deactivate(db.session, users["respondent_a"])
    db.session.commit()
    assert client.get("/").status_code == 302


def test_passwords_are_hashed_with_argon2id(users):
    assert users["admin"].password_hash.startswith("$argon2id$")
    assert PASSWORD not in users["admin"].password_hash


def test_production_hashes_with_owasps_argon2id_setting():
    from app import passwords
    from config import ProductionConfig

    hashed = passwords.hash_password(PASSWORD, ProductionConfig.PASSWORD_HASH_METHOD)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(hashed, PASSWORD)
    assert not passwords.verify_password(hashed, PASSWORD + "x")


def test_password_hashes_run_one_at_a_time_per_process(monkeypatch):
    """A burst of logins queues for the (GIL-free, CPU-heavy) scrypt instead of taking
    every core from the page requests beside them."""
    import threading
    import time

    from app import passwords

    running = 0
    most = 0
    lock = threading.Lock()

    def slow_check(_hash, _password):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return True

    monkeypatch.setattr(passwords, "check_password_hash", slow_check)  # a Werkzeug hash
    threads = [
        threading.Thread(target=passwords.verify_password, args=("hash", "pw")) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
