"""Invitations: who may invite whom, for which actions; the mail-off path; CSRF."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import authz
from app.models import AuditEntry, OneTimeToken, Role, User
from app.services.people import account_rules, invitations
from app.services.people.accounts import UserError
from tests.conftest import action, deliver_outbox

LINK_RE = re.compile(r'readonly spellcheck="false">http://localhost(/invite/[\w-]+)<')


def invite_form(orgs, **overrides):
    data = {
        "email": "new.person@example.org",
        "display_name": "New Person",
        "role": "respondent",
        "organisation": str(orgs["A"].id),
        "actions": [],
    }
    data.update(overrides)
    return data


def count_users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_admin_invites_a_respondent_with_mail_off(app, client, login_as, orgs, db):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("tympanum.mail").addHandler(handler)
    try:
        login_as("admin")
        response = client.post_form(
            "/admin/users/invite", invite_form(orgs, actions=[str(action(3).id)])
        )
        deliver_outbox(app)  # the worker writes it to the log
    finally:
        logging.getLogger("tympanum.mail").removeHandler(handler)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-mail is not configured: copy this link and send it to new.person@example.org" in html
    path = LINK_RE.search(html).group(1)
    assert any(path in r.getMessage() for r in records)  # logged, too
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == Role.RESPONDENT and user.organisation == orgs["A"]
    assert user.password_hash is None and not user.active
    assert 3 in {a.number for a in orgs["A"].actions}  # action added to the organisation
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "invitation.sent"))
    assert entry.object_id == str(user.id) and entry.details["actions"] == [3]
    client.post_form("/logout", page="/")
    assert client.get(path).status_code == 200


def test_admin_invites_a_leader(client, login_as, db, orgs):
    login_as("admin")
    client.post_form(
        "/admin/users/invite",
        invite_form(orgs, role="leader", organisation="0", actions=[str(action(5).id)]),
    )
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.role == Role.LEADER and user.led_action_numbers == {5}


def test_leader_invites_a_respondent_for_an_action_they_lead(client, login_as, db, orgs):
    login_as("leader1")
    page = client.get("/admin/users/invite").get_data(as_text=True)
    assert "Respondent" in page and "Administrator" not in page
    assert "1. " in page and "2. " not in page  # only the actions they lead
    response = client.post_form(
        "/admin/users/invite", invite_form(orgs, actions=[str(action(1).id)])
    )
    assert "/invite/" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "new.person@example.org"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"actions": ["ACTION2"]}, "is not a valid choice"),
        ({"role": "admin", "actions": ["ACTION1"]}, "Not a valid choice"),
        ({"role": "leader", "actions": ["ACTION1"]}, "Not a valid choice"),
        ({"actions": []}, "Choose at least one of the actions you lead."),
    ],
)
def test_leader_cannot_invite_beyond_their_actions(client, login_as, db, orgs, overrides, message):
    login_as("leader1")
    before = count_users(db)
    ids = {"ACTION1": str(action(1).id), "ACTION2": str(action(2).id)}
    overrides = {
        k: [ids.get(v, v) for v in val] if isinstance(val, list) else val
        for k, val in overrides.items()
    }
    response = client.post_form("/admin/users/invite", invite_form(orgs, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 403)
    assert message in html
    assert count_users(db) == before
    assert db.session.scalar(select(func.count(OneTimeToken.id))) == 0


def test_the_service_enforces_the_rules_whatever_the_form(db, users, orgs):
    for role, actions in ((Role.ADMIN, []), (Role.RESPONDENT, [action(2)])):
        with pytest.raises(UserError):
            invitations.invite(
                db.session,
                email="x@example.org",
                display_name="X",
                role=role,
                organisation=orgs["A"],
                actions=actions,
                invited_by=users["leader1"],
                lifetime=timedelta(days=1),
            )


def test_authz_can_invite(users):
    one, two = action(1), action(2)
    assert authz.can_invite(users["admin"], Role.ADMIN, [])
    assert authz.can_invite(users["leader1"], Role.RESPONDENT, [one])
    assert not authz.can_invite(users["leader1"], Role.RESPONDENT, [one, two])
    assert not authz.can_invite(users["leader1"], Role.RESPONDENT, [])
    assert not authz.can_invite(users["leader1"], Role.LEADER, [one])
    assert not authz.can_invite(users["coordinator"], Role.RESPONDENT, [one])
    assert not authz.can_invite(users["respondent_a"], Role.RESPONDENT, [one])
    assert authz.can_invite_people(users["leader1"]) and authz.can_invite_people(users["admin"])
    assert not authz.can_invite_people(users["coordinator"])


@pytest.mark.parametrize("who", ["coordinator", "respondent_a"])
def test_invite_page_is_closed_to_others(client, login_as, who):
    login_as(who)
    assert client.get("/admin/users/invite").status_code == 403


def test_invite_page_needs_login(client):
    assert client.get("/admin/users/invite").headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-address"}, "Enter an e-mail address like name@example.org."),
        ({"organisation": "0"}, account_rules.RESPONDENT_NEEDS_ORGANISATION),
        ({"display_name": ""}, "Enter the person's name."),
        ({"email": "respondent_b@example.org"}, "exists already as respondent (Region B)"),
        ({"role": "coordinator", "actions": ["ACTION1"]}, account_rules.ONLY_LEADERS_LEAD),
        ({"role": "leader", "organisation": "0"}, account_rules.LEADER_NEEDS_ACTIONS),
    ],
)
def test_invitation_errors_say_what_to_do(client, login_as, orgs, overrides, message):
    login_as("admin")
    overrides = {
        k: [str(action(1).id) if v == "ACTION1" else v for v in val]
        if isinstance(val, list)
        else val
        for k, val in overrides.items()
    }
    html = client.post_form("/admin/users/invite", invite_form(orgs, **overrides)).get_data(
        as_text=True
    )
    assert message in html and "There is a problem" in html


def test_inviting_a_pending_address_again_asks_before_replacing_anything(
    client, login_as, orgs, db
):
    login_as("admin")
    first = LINK_RE.search(
        client.post_form("/admin/users/invite", invite_form(orgs)).get_data(as_text=True)
    ).group(1)
    again = invite_form(orgs, display_name="Someone Else", actions=[str(action(4).id)])
    html = client.post_form("/admin/users/invite", again).get_data(as_text=True)
    # Nothing changed yet: the page says who invited whom, when, and offers both ways.
    assert "new.person@example.org has an invitation pending" in html
    assert "Invited as New Person by Admin" in html and "<time" in html
    assert 'name="pending" value="resend"' in html and 'name="pending" value="change"' in html
    assert LINK_RE.search(html) is None
    invited = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert invited.display_name == "New Person" and 4 not in {a.number for a in orgs["A"].actions}
    client.post_form("/logout", page="/")
    assert client.get(first).status_code == 200  # the first link still works
    login_as("admin")
    # Change it, explicitly: the new name and actions, a new link; the first one is void.
    second = LINK_RE.search(
        client.post_form("/admin/users/invite", {**again, "pending": "change"}).get_data(
            as_text=True
        )
    ).group(1)
    db.session.expire_all()
    invited = db.session.get(User, invited.id)
    assert invited.display_name == "Someone Else" and 4 in {a.number for a in orgs["A"].actions}
    assert count_users(db) == 8  # the seven fixture users and one invited
    changed = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "invitation.changed"))
    assert changed.details == {"old_name": "New Person", "new_name": "Someone Else"}
    # Resend: a fresh link, the name left alone whatever the form says.
    third = LINK_RE.search(
        client.post_form(
            "/admin/users/invite", {**invite_form(orgs, display_name="Third"), "pending": "resend"}
        ).get_data(as_text=True)
    ).group(1)
    db.session.expire_all()
    assert db.session.get(User, invited.id).display_name == "Someone Else"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.event == "invitation.resent"))
    client.post_form("/logout", page="/")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 410
    assert client.get(third).status_code == 200


def test_a_pending_invitation_is_refused_by_the_service_without_a_choice(db, users, orgs):
    kwargs = dict(
        email="pending@example.org",
        display_name="Pending Person",
        role="respondent",
        organisation=orgs["A"],
        actions=[action(1)],
        invited_by=users["admin"],
        lifetime=timedelta(days=3),
    )
    invitations.invite(db.session, **kwargs)
    with pytest.raises(invitations.InvitationPending) as caught:
        invitations.invite(db.session, **{**kwargs, "display_name": "Renamed"})
    pending = caught.value.pending
    assert pending.invited_by == users["admin"] and pending.invited_at is not None
    assert pending.user.display_name == "Pending Person"
    assert isinstance(caught.value, UserError)  # callers reporting UserError still do


def test_inviting_an_active_account_adds_actions_without_a_link(client, login_as, orgs, db):
    login_as("admin")
    html = client.post_form(
        "/admin/users/invite",
        invite_form(orgs, email="respondent_a@example.org", actions=[str(action(6).id)]),
    ).get_data(as_text=True)
    assert "already has an account: the actions were added" in html
    assert "/invite/" not in html
    assert 6 in {a.number for a in orgs["A"].actions}
    assert db.session.scalar(select(func.count(OneTimeToken.id))) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/invite",
        "/password/forgot",
        "/invite/whatever",
        "/password/reset/whatever",
        "/privacy",
        "/account/profile",
        "/account/password",
        "/admin/users/1/send-reset",
        "/admin/users/1/erase",
    ],
)
def test_posts_without_csrf_token_are_refused(client, login_as, url):
    login_as("admin")
    response = client.post(url, data={"email": "x@example.org", "display_name": "X"})
    assert response.status_code == 400
    assert "security check failed" in response.get_data(as_text=True)
