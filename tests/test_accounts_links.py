"""Single-use link tokens and the invitation / reset pages: expired, used, tampered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OneTimeToken, Role, utcnow
from app.services.people import accounts as user_service
from app.services.people import gdpr, invitations, link_tokens, password_resets, user_sessions
from app.services.people.link_tokens import TokenError
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "another good passphrase"  # noqa: S105 - test value


def pending_user(db, orgs, email="pending@example.org"):
    user = user_service.create_user(
        db.session, email, role=Role.RESPONDENT, display_name="Pending", organisation=orgs["A"]
    )
    user.active = False
    return user


def issue(db, user, purpose, days=1):
    raw = link_tokens.issue(db.session, user, purpose, None, timedelta(days=days))
    db.session.commit()
    return raw


def token_row(db, raw):
    return db.session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == link_tokens.token_hash(raw))
    )


# The token service


def test_only_the_hash_is_stored(db, users):
    raw = issue(db, users["leader1"], link_tokens.RESET)
    rows = db.session.scalars(select(OneTimeToken)).all()
    assert len(rows) == 1 and rows[0].token_hash != raw and raw not in rows[0].token_hash
    assert len(raw) >= 40 and rows[0].token_hash == link_tokens.token_hash(raw)


def test_consume_once_then_used(db, users):
    raw = issue(db, users["leader1"], link_tokens.RESET)
    assert link_tokens.peek(db.session, raw, link_tokens.RESET) == users["leader1"]
    assert link_tokens.peek(db.session, raw, link_tokens.RESET) == users["leader1"]  # peek keeps it
    assert link_tokens.consume(db.session, raw, link_tokens.RESET) == users["leader1"]
    with pytest.raises(TokenError) as error:
        link_tokens.consume(db.session, raw, link_tokens.RESET)
    assert error.value.reason == "used"


@pytest.mark.parametrize(
    ("mangle", "purpose", "reason"),
    [
        (lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"), link_tokens.RESET, "invalid"),
        (lambda raw: raw, link_tokens.INVITE, "invalid"),  # right token, wrong purpose
        (lambda raw: "", link_tokens.RESET, "invalid"),
        (lambda raw: "x" * 500, link_tokens.RESET, "invalid"),
    ],
)
def test_unknown_tokens_are_invalid(db, users, mangle, purpose, reason):
    raw = issue(db, users["leader1"], link_tokens.RESET)
    with pytest.raises(TokenError) as error:
        link_tokens.consume(db.session, mangle(raw), purpose)
    assert error.value.reason == reason


def test_expired_token(db, users):
    raw = issue(db, users["leader1"], link_tokens.RESET)
    token_row(db, raw).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(TokenError) as error:
        link_tokens.peek(db.session, raw, link_tokens.RESET)
    assert error.value.reason == "expired"


def test_a_new_token_replaces_older_unused_ones(db, users):
    first = issue(db, users["leader1"], link_tokens.RESET)
    other_purpose = issue(db, users["leader1"], link_tokens.INVITE)
    second = issue(db, users["leader1"], link_tokens.RESET)
    with pytest.raises(TokenError) as error:
        link_tokens.peek(db.session, first, link_tokens.RESET)
    assert error.value.reason == "expired"
    assert link_tokens.peek(db.session, second, link_tokens.RESET) == users["leader1"]
    assert link_tokens.peek(db.session, other_purpose, link_tokens.INVITE) == users["leader1"]


# The pages


def test_invitation_page_for_an_expired_link(client, db, orgs):
    raw = issue(db, pending_user(db, orgs), link_tokens.INVITE)
    token_row(db, raw).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/invite/{raw}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This link has expired" in html and "new invitation" in html
    # Posting to it does not set a password either.
    posted = client.post_form(
        f"/invite/{raw}",
        {"display_name": "P", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page="/login",
    )
    assert posted.status_code == 410


def test_invitation_page_for_a_used_link(client, db, orgs):
    user = pending_user(db, orgs)
    raw = issue(db, user, link_tokens.INVITE)
    invitations.accept_invitation(db.session, raw, NEW_PASSWORD)
    db.session.commit()
    response = client.get(f"/invite/{raw}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "used already" in html and 'href="/login"' in html and 'href="/password/forgot"' in html


def test_invitation_page_for_a_tampered_link(client, db, orgs):
    raw = issue(db, pending_user(db, orgs), link_tokens.INVITE)
    response = client.get(f"/invite/{raw[:-2]}xy")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)


def test_reset_link_pages(client, db, users):
    raw = issue(db, users["respondent_a"], link_tokens.RESET)
    assert client.get(f"/password/reset/{raw}").status_code == 200
    assert client.get(f"/password/reset/{raw}x").status_code == 404
    invite_raw = issue(db, users["respondent_a"], link_tokens.INVITE)
    assert client.get(f"/password/reset/{invite_raw}").status_code == 404  # wrong purpose
    token_row(db, raw).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/password/reset/{raw}")
    assert response.status_code == 410
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_weak_password_does_not_use_the_link_up(client, db, orgs):
    user = pending_user(db, orgs)
    raw = issue(db, user, link_tokens.INVITE)
    response = client.post_form(
        f"/invite/{raw}", {"display_name": "P", "password": "short", "password_again": "short"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "at least 10 characters" in html
    mismatch = client.post_form(
        f"/invite/{raw}",
        {"display_name": "P", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"},
    )
    assert "not the same" in mismatch.get_data(as_text=True)
    assert token_row(db, raw).used_at is None and not user.active
    assert client.get(f"/invite/{raw}").status_code == 200


def test_an_invited_account_cannot_log_in_before_accepting(client, db, orgs):
    pending_user(db, orgs)
    db.session.commit()
    html = login(client, "pending@example.org", PASSWORD).get_data(as_text=True)
    assert "Incorrect e-mail address or password" in html


def test_reset_link_of_a_deactivated_account_does_not_work(client, db, users):
    raw = issue(db, users["respondent_a"], link_tokens.RESET)
    user_service.deactivate(db.session, users["respondent_a"])
    db.session.commit()
    assert client.get(f"/password/reset/{raw}").status_code == 404
    response = client.post_form(
        f"/password/reset/{raw}",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page="/login",
    )
    assert response.status_code == 404
    assert not users["respondent_a"].check_password(NEW_PASSWORD)


def test_reset_password_sets_the_password_and_ends_every_session(db, users):
    user = users["respondent_a"]
    user_sessions.start(db.session, user, lifetime=timedelta(hours=1))
    raw = issue(db, user, link_tokens.RESET)
    password_resets.reset_password(db.session, raw, NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD)
    assert user_sessions.sessions_of(db.session, user) == []


def test_token_pages_are_rate_limited(app, client, db, users):
    app.config["TOKEN_RATE_LIMIT"] = "3 per minute"
    for path in ("/password/reset/nonsense", "/invite/nonsense"):
        statuses = [client.get(path).status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429], path
    assert "Too many attempts" in client.get("/invite/nonsense").get_data(as_text=True)


def test_forgot_password_posts_are_rate_limited(app, client, users):
    app.config["TOKEN_RATE_LIMIT"] = "2 per minute"
    statuses = [
        client.post_form("/password/forgot", {"email": "x@example.org"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert client.get("/password/forgot").status_code == 200  # GET is not limited


def test_cli_deactivation_voids_pending_links(client, runner, db, orgs):
    user = pending_user(db, orgs)
    raw = issue(db, user, link_tokens.INVITE)
    result = runner.invoke(args=["users", "deactivate", "pending@example.org"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/invite/{raw}").status_code == 404


# A reset link dies with every change of the password it would change (security issue 14,
# item 2): an old link from a mailbox must not set a new password and log its holder in.


def assert_reset_link_dead(client, db, user, raw) -> None:
    assert client.get(f"/password/reset/{raw}").status_code in (404, 410)
    attempt = client.post_form(
        f"/password/reset/{raw}",
        {"password": "the attacker's passphrase", "password_again": "the attacker's passphrase"},
        page="/login",
    )
    assert attempt.status_code in (404, 410)
    db.session.expire_all()
    assert not user.check_password("the attacker's passphrase")
    assert client.get("/account").status_code == 302  # not logged in by the link


def test_changing_the_password_voids_older_reset_links(client, login_as, db, users):
    user = users["respondent_a"]
    raw = issue(db, user, link_tokens.RESET)
    login_as("respondent_a")
    changed = client.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page="/account",
    )
    assert changed.status_code == 302
    client.post_form("/logout", page="/")
    assert client.get(f"/password/reset/{raw}").status_code == 410  # shown as expired
    assert_reset_link_dead(client, db, user, raw)
    assert user.check_password(NEW_PASSWORD)


def test_a_newer_reset_request_voids_the_older_link(client, db, users, mail_server):
    """Two requests in a row: their links are made at the same time, after the answers;
    one of them (the one made last) is alive, never both."""
    for _ in range(2):
        client.post_form("/password/forgot", {"email": "respondent_a@example.org"})
    bodies = [m.get_content() for m in mail_server.wait_for(2)]
    links = [re.search(r"/password/reset/(\S+)", body).group(1) for body in bodies]
    alive = [raw for raw in links if client.get(f"/password/reset/{raw}").status_code == 200]
    assert len(set(links)) == 2 and len(alive) == 1
    (older,) = set(links) - set(alive)
    assert_reset_link_dead(client, db, users["respondent_a"], older)


def test_deactivation_voids_reset_links_for_good(client, login_as, db, users):
    user = users["respondent_a"]
    raw = issue(db, user, link_tokens.RESET)
    login_as("admin")
    url = f"/admin/users/{user.id}"
    client.post_form(f"{url}/deactivate", {}, page=url)
    client.post_form(f"{url}/reactivate", {}, page=url)
    client.post_form("/logout", page="/")
    db.session.expire_all()
    assert user.active
    assert_reset_link_dead(client, db, user, raw)


def test_erasure_voids_reset_links(client, db, users):
    user = users["respondent_a"]
    raw = issue(db, user, link_tokens.RESET)
    gdpr.erase_user(db.session, user, users["admin"])
    db.session.commit()
    assert_reset_link_dead(client, db, user, raw)


def test_using_a_reset_link_voids_the_others(db, users):
    """Two live links at once cannot be made through the site (a new one voids the older),
    but rows from before, or made by hand, die too when one of them is used."""
    user = users["respondent_a"]
    first = issue(db, user, link_tokens.RESET)
    second = link_tokens.token_hash(issue(db, user, link_tokens.RESET))
    token_row(db, first).expires_at = utcnow() + timedelta(hours=1)  # alive again
    db.session.commit()
    password_resets.reset_password(db.session, first, NEW_PASSWORD)
    db.session.commit()
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == second))
    assert row.expires_at <= utcnow()
