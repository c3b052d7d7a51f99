"""The per-worker password-hash slot has a bounded wait (issue 21): when it stays busy,
the login answers at once with a friendly 503 and Retry-After that keeps the typed e-mail
address (never the password), instead of holding the worker.

No timing is asserted: the slot is held by the test itself, and the wait is made tiny.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from app import passwords
from app.services.people import link_tokens
from tests.conftest import PASSWORD, login

TYPED = "Respondent_A@Example.org"


@pytest.fixture
def app_overrides() -> dict:
    return {"PASSWORD_SLOT_WAIT": 0.01, "PASSWORD_BUSY_RETRY_AFTER": 7}


@contextmanager
def slot_taken() -> Iterator[None]:
    """Another login of this worker is hashing: the one slot is in use."""
    assert passwords._SLOT.acquire(timeout=5)
    try:
        yield
    finally:
        passwords._SLOT.release()


def test_a_busy_slot_raises_instead_of_waiting_forever(app):
    with slot_taken(), pytest.raises(passwords.HashSlotBusy):
        passwords.verify_password("scrypt:x", "pw")
    with slot_taken(), pytest.raises(passwords.HashSlotBusy):
        passwords.hash_password("pw", "scrypt")


def test_the_slot_is_free_again_after_a_busy_answer(app, users):
    with slot_taken(), pytest.raises(passwords.HashSlotBusy):
        users["admin"].check_password(PASSWORD)
    assert users["admin"].check_password(PASSWORD)


def test_login_while_busy_is_a_503_with_retry_after_keeping_the_email(client, users):
    with slot_taken():
        response = login(client, TYPED, password="a secret typed here")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Cache-Control"] == "no-store"
    assert "X-RateLimit-Reset" not in response.headers  # its Retry-After is the app's
    page = response.get_data(as_text=True)
    assert 'value="Respondent_A@Example.org"' in page  # as typed
    assert "a secret typed here" not in page
    assert "Many people are logging in right now" in page
    assert "Wait 7 seconds, then log in again." in page
    assert '<form method="post"' in page  # the login form again, ready to send
    assert "/login" in client.get("/").headers["Location"]  # not logged in
    # Sent again once the slot is free: logged in.
    assert login(client, users["respondent_a"].email).status_code == 302
    assert "/login" not in client.get("/").headers.get("Location", "")


def test_busy_answers_do_not_use_up_the_accounts_login_attempts(client, users):
    """The per-account count bounds password checks; a busy answer checked none."""
    with slot_taken():
        for _ in range(8):  # LOGIN_ACCOUNT_LIMIT is 5 per 15 minutes
            assert login(client, users["respondent_a"].email).status_code == 503
    assert login(client, users["respondent_a"].email).status_code == 302


def test_busy_answer_is_not_a_failed_login(client, users, db):
    from sqlalchemy import select

    from app.models import AuditEntry

    with slot_taken():
        login(client, users["respondent_a"].email, password="wrong")
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert "login.failure" not in events


def test_other_password_forms_answer_busy_with_retry_after(client, db, users):
    raw = link_tokens.issue(
        db.session, users["respondent_a"], link_tokens.RESET, None, timedelta(days=1)
    )
    db.session.commit()
    new = "another good passphrase"
    with slot_taken():
        response = client.post_form(
            f"/password/reset/{raw}",
            {"password": new, "password_again": new},
            page=f"/password/reset/{raw}",
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    page = response.get_data(as_text=True)
    assert "Nothing was changed" in page and new not in page
    assert "X-RateLimit-Reset" not in response.headers
    # The link still works: nothing was used up.
    assert client.get(f"/password/reset/{raw}").status_code == 200
    db.session.expire_all()
    assert users["respondent_a"].check_password(PASSWORD)
