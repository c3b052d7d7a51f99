"""Sessions kept on the server (security issue 14, item 3): logging out ends the session for
every copy of its cookie; the account page lists one's sessions and ends one or all;
password changes, resets, deactivation and erasure end them as they should."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, UserSession, utcnow
from app.services.people import accounts as user_service
from app.services.people import gdpr, link_tokens, user_sessions
from tests.conftest import PASSWORD, login

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "a completely new passphrase"  # noqa: S105 - test value


def browser(app, user_agent: str = FIREFOX):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def logged_in(app, users, name: str, user_agent: str = FIREFOX):
    client = browser(app, user_agent)
    assert login(client, users[name].email).status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (stolen or synced)."""
    thief = browser(app, client.environ_base["HTTP_USER_AGENT"])
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    return thief


def is_logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def sessions_of(db, user) -> list[UserSession]:
    db.session.expire_all()
    return user_sessions.sessions_of(db.session, user)


def test_a_copied_cookie_stops_working_after_logout(app, users):
    """The issue's reproduction: a copy of the session cookie kept working after
    POST /logout for the whole session lifetime."""
    client = logged_in(app, users, "respondent_a")
    thief = copy_of(app, client)
    assert is_logged_in(thief)
    assert client.post_form("/logout", page="/").status_code == 302
    response = thief.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not is_logged_in(client)


def test_logging_out_ends_this_browser_only(app, db, users):
    laptop = logged_in(app, users, "respondent_a")
    phone = logged_in(app, users, "respondent_a", SAFARI_IPHONE)
    assert len(sessions_of(db, users["respondent_a"])) == 2
    laptop.post_form("/logout", page="/")
    assert not is_logged_in(laptop) and is_logged_in(phone)
    assert [s.device for s in sessions_of(db, users["respondent_a"])] == ["Safari, iOS"]


def test_the_account_page_lists_the_sessions(app, db, users):
    laptop = logged_in(app, users, "leader1")
    logged_in(app, users, "leader1", SAFARI_IPHONE)
    logged_in(app, users, "leader2")  # someone else's
    html = laptop.get("/account").get_data(as_text=True)
    listed = html[html.index('id="sessions-title"') : html.index('id="data-title"')]
    assert listed.count("<li>") == 2
    assert "Firefox, Linux" in listed and "Safari, iOS" in listed
    assert listed.count("this browser") == 1
    firefox_row = listed[listed.index("Firefox, Linux") :]
    assert "this browser" in firefox_row[: firefox_row.index("</li>")]
    assert "Log out everywhere" in listed


def test_ending_another_session_from_the_account_page(app, db, users):
    laptop = logged_in(app, users, "leader1")
    phone = logged_in(app, users, "leader1", SAFARI_IPHONE)
    (phone_session,) = [s for s in sessions_of(db, users["leader1"]) if s.device == "Safari, iOS"]
    response = laptop.post_form(f"/account/sessions/{phone_session.id}/end", page="/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account")
    html = laptop.get("/account").get_data(as_text=True)
    assert "That session has ended" in html and "Safari, iOS" not in html
    assert not is_logged_in(phone) and is_logged_in(laptop)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "session.ended"))
    assert entry.details == {"device": "Safari, iOS", "own": False}


def test_ending_this_session_from_the_account_page_logs_out(app, db, users):
    laptop = logged_in(app, users, "leader1")
    (mine,) = sessions_of(db, users["leader1"])
    response = laptop.post_form(f"/account/sessions/{mine.id}/end", page="/account")
    assert response.headers["Location"].startswith("/login")
    assert not is_logged_in(laptop)


def test_log_out_everywhere(app, db, users):
    laptop = logged_in(app, users, "coordinator")
    phone = logged_in(app, users, "coordinator", SAFARI_IPHONE)
    thief = copy_of(app, phone)
    other_person = logged_in(app, users, "admin")
    response = laptop.post_form("/account/sessions/end-all", page="/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "logged out everywhere" in laptop.get("/login").get_data(as_text=True)
    assert not any(is_logged_in(c) for c in (laptop, phone, thief))
    assert is_logged_in(other_person)
    assert sessions_of(db, users["coordinator"]) == []
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "sessions.ended_all")
    )
    assert entry.details == {"sessions": 2} and entry.user_id == users["coordinator"].id


def test_a_session_of_another_account_cannot_be_ended(app, db, users):
    victim = logged_in(app, users, "respondent_b")
    (victims,) = sessions_of(db, users["respondent_b"])
    attacker = logged_in(app, users, "respondent_a")
    response = attacker.post_form(f"/account/sessions/{victims.id}/end", page="/account")
    assert response.status_code == 302
    assert "had ended already" in attacker.get("/account").get_data(as_text=True)
    assert is_logged_in(victim)


def test_session_buttons_need_the_csrf_token(app, db, users):
    laptop = logged_in(app, users, "leader1")
    (mine,) = sessions_of(db, users["leader1"])
    assert laptop.post("/account/sessions/end-all").status_code == 400
    assert laptop.post(f"/account/sessions/{mine.id}/end").status_code == 400
    assert is_logged_in(laptop)


def test_changing_the_password_ends_the_other_sessions_only(app, db, users):
    laptop = logged_in(app, users, "respondent_a")
    phone = logged_in(app, users, "respondent_a", SAFARI_IPHONE)
    changed = laptop.post_form(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        page="/account",
    )
    assert changed.status_code == 302
    assert is_logged_in(laptop) and not is_logged_in(phone)
    assert [s.device for s in sessions_of(db, users["respondent_a"])] == ["Firefox, Linux"]


@pytest.mark.parametrize("how", ["deactivate", "erase"])
def test_deactivation_and_erasure_end_every_session(app, db, users, how):
    phone = logged_in(app, users, "respondent_a", SAFARI_IPHONE)
    user = users["respondent_a"]
    if how == "deactivate":
        user_service.deactivate(db.session, user)
    else:
        gdpr.erase_user(db.session, user, users["admin"])
    db.session.commit()
    assert not is_logged_in(phone)
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert rows == []


def test_a_session_ends_at_its_lifetime(app, db, users):
    laptop = logged_in(app, users, "leader2")
    (mine,) = sessions_of(db, users["leader2"])
    lifetime = mine.expires_at - mine.created_at
    assert lifetime == app.permanent_session_lifetime
    mine.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not is_logged_in(laptop)
    assert sessions_of(db, users["leader2"]) == []  # not listed either


def test_expired_sessions_are_deleted_at_the_next_login(app, db, users):
    logged_in(app, users, "leader2")
    (old,) = sessions_of(db, users["leader2"])
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    logged_in(app, users, "admin")
    db.session.expire_all()
    rows = db.session.execute(select(UserSession.user_id)).scalars().all()
    assert rows == [users["admin"].id]  # the expired row of leader2 is gone


@pytest.mark.parametrize(
    "forged",
    [
        lambda users: {"_user_id": f"{users['admin'].id}:0123456789abcdef"},  # the old format
        lambda users: {"_user_id": str(users["admin"].id), "sid": "a guessed secret"},
        lambda users: {"_user_id": str(users["admin"].id)},
        lambda users: {"_user_id": "9" * 40, "sid": "x"},
        lambda users: {"_user_id": str(users["admin"].id), "sid": ["not", "text"]},
    ],
)
def test_a_cookie_without_a_live_session_logs_nobody_in(app, client, users, forged):
    with client.session_transaction() as cookie:
        cookie.update(forged(users))
        cookie["_fresh"] = True
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_secret_of_one_account_does_not_open_another(app, db, users, client):
    someone = logged_in(app, users, "respondent_a")
    with someone.session_transaction() as cookie:
        secret = cookie["sid"]
    with client.session_transaction() as cookie:
        cookie.update({"_user_id": str(users["admin"].id), "sid": secret, "_fresh": True})
    assert client.get("/account").status_code == 302


def test_only_writing_requests_record_activity(app, db, users):
    """A page view writes nothing (SQLite reads do not take the write lock); a request
    that writes anyway records the session's activity, at most every few minutes."""
    laptop = logged_in(app, users, "respondent_a")
    (mine,) = sessions_of(db, users["respondent_a"])
    earlier = utcnow() - timedelta(minutes=10)
    mine.last_seen_at = earlier
    db.session.commit()
    assert laptop.get("/account").status_code == 200
    assert sessions_of(db, users["respondent_a"])[0].last_seen_at == earlier
    saved = laptop.post_form(
        "/account/profile", {"display_name": "Respondent A", "locale": ""}, page="/account"
    )
    assert saved.status_code == 302
    assert sessions_of(db, users["respondent_a"])[0].last_seen_at > earlier + timedelta(minutes=9)


def test_the_cookie_holds_a_secret_the_database_does_not(app, db, users):
    laptop = logged_in(app, users, "respondent_a")
    with laptop.session_transaction() as cookie:
        secret = cookie["sid"]
    (mine,) = sessions_of(db, users["respondent_a"])
    assert len(secret) >= 40 and mine.token_hash == link_tokens.token_hash(secret)
    assert secret not in mine.token_hash


def test_personal_data_lists_the_sessions(app, db, users):
    laptop = logged_in(app, users, "respondent_a")
    data = json.loads(laptop.get("/account/data.json").get_data(as_text=True))
    (entry,) = data["sessions"]
    assert entry["device"] == "Firefox, Linux"
    assert set(entry) == {"device", "created_at", "last_seen_at", "expires_at"}


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX, "Firefox, Linux"),
        (SAFARI_IPHONE, "Safari, iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge, Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like"
            " Gecko) Chrome/126.0.0.0 Safari/537.36",
            "Chrome, macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
            " Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome, Android",
        ),
        ("curl/8.5.0", "curl"),
        ("", ""),
        ("<script>alert(1)</script>" * 100, ""),
    ],
)
def test_devices_are_described_briefly(user_agent, device):
    assert user_sessions.describe_device(user_agent) == device


def test_an_unknown_browser_is_named_so(app, db, users):
    laptop = logged_in(app, users, "respondent_a", "SomethingNew/1.0")
    html = laptop.get("/account").get_data(as_text=True)
    assert re.search(r"Unknown browser</strong>\s*<span class=\"badge\">this browser", html)


@pytest.mark.parametrize("leave", ["/logout", "/account/sessions/end-all", "end this one"])
def test_leaving_after_a_while_away(app, db, users, leave):
    """The request that ends a session may be the one that records its activity."""
    laptop = logged_in(app, users, "respondent_a")
    (mine,) = sessions_of(db, users["respondent_a"])
    mine.last_seen_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    url = f"/account/sessions/{mine.id}/end" if leave == "end this one" else leave
    response = laptop.post_form(url, page="/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert sessions_of(db, users["respondent_a"]) == []
