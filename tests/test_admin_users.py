"""Users: the list and its filters, role/organisation/actions rules, self-protection,
deactivation that ends sessions, and the audit trail of each change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Role
from app.services.people import account_rules, user_sessions
from tests.conftest import PASSWORD, login


def events(db, event):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
    ).all()


def listed(client, query=""):
    html = client.get(f"/admin/users{query}").get_data(as_text=True)
    return re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', html)


def test_list_search_and_filters(client, login_as, orgs, users):
    login_as("coordinator")
    assert len(listed(client)) == 7
    assert listed(client, "?q=LEADER") == ["Leader1", "Leader2"]
    assert listed(client, "?q=respondent_b%40") == ["Respondent B"]  # matches the e-mail
    assert listed(client, "?q=_a") == ["Colleague A", "Respondent A"]  # "_" is not a wildcard
    assert listed(client, "?role=coordinator") == ["Coordinator"]
    assert listed(client, f"?organisation={orgs['A'].id}") == ["Colleague A", "Respondent A"]
    users["leader2"].active = False
    assert listed(client, "?active=no") == ["Leader2"]
    assert listed(client, "?active=yes&role=leader") == ["Leader1"]
    page = client.get("/admin/users?organisation=999&role=king").get_data(as_text=True)
    assert "Choose one of the options listed." in page and "Leader1" in page


def post_access(client, user, **data):
    return client.post_form(f"/admin/users/{user.id}", data, page=f"/admin/users/{user.id}")


def test_make_a_respondent_a_leader(client, login_as, db, users):
    login_as("admin")
    person = users["respondent_a"]
    response = post_access(client, person, role="leader", organisation="", actions=["3", "5"])
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.role == Role.LEADER and person.organisation is None
    assert person.led_action_numbers == {3, 5}
    (role,) = events(db, "user.role_changed")
    assert role.details == {"from": "respondent", "to": "leader"}
    assert role.object_id == str(person.id) and role.actor == "admin@example.org"
    (actions,) = events(db, "user.actions_changed")
    assert actions.details == {"from": [], "to": [3, 5]}
    (org,) = events(db, "user.organisation_changed")
    assert org.details == {"from": "City A", "to": None}


@pytest.mark.parametrize(
    ("who", "data", "message"),
    [
        (
            "leader1",
            {"role": "respondent", "organisation": "", "actions": []},
            account_rules.RESPONDENT_NEEDS_ORGANISATION,
        ),
        (
            "respondent_a",
            {"role": "leader", "organisation": "", "actions": []},
            account_rules.LEADER_NEEDS_ACTIONS,
        ),
        (
            "respondent_a",
            {"role": "respondent", "organisation": "A", "actions": ["2"]},
            account_rules.ONLY_LEADERS_LEAD,
        ),
        (
            "admin",
            {"role": "coordinator", "organisation": "", "actions": []},
            "You cannot remove your own administrator role: ask another administrator to do it.",
        ),
        (
            "leader1",
            {"role": "emperor", "organisation": "", "actions": ["1"]},
            "Choose one of the options listed.",
        ),
        (
            "leader1",
            {"role": "leader", "organisation": "999", "actions": ["1"]},
            "Choose one of the options listed.",
        ),
        (
            "leader1",
            {"role": "leader", "organisation": "", "actions": ["0"]},
            "Choose actions from the list (1 to 11).",
        ),
    ],
)
def test_access_rules(client, login_as, db, orgs, users, who, data, message):
    login_as("admin")
    person = users[who]
    before = (person.role, person.organisation_id, person.led_action_numbers)
    if data["organisation"] == "A":
        data = {**data, "organisation": str(orgs["A"].id)}
    response = post_access(client, person, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    db.session.refresh(person)
    assert (person.role, person.organisation_id, person.led_action_numbers) == before
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.event.like("user.%"))).all() == []


def test_a_deactivated_organisation_cannot_get_new_respondents(client, login_as, db, orgs, users):
    orgs["B"].active = False
    db.session.commit()
    login_as("admin")
    response = post_access(
        client, users["respondent_a"], role="respondent", organisation=str(orgs["B"].id)
    )
    assert "Region B is deactivated: reactivate it first" in response.get_data(as_text=True)
    # Someone already in a deactivated organisation can still be edited.
    response = post_access(
        client, users["respondent_b"], role="respondent", organisation=str(orgs["B"].id)
    )
    assert response.status_code == 302


def test_unchanged_save_records_nothing(client, login_as, db, users):
    login_as("admin")
    person = users["leader1"]
    response = post_access(client, person, role="leader", organisation="", actions=["1"])
    assert response.status_code == 302
    assert "Nothing changed." in client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert events(db, "user.role_changed") == [] and events(db, "user.actions_changed") == []


def test_deactivation_ends_the_sessions_of_the_account(app, client, login_as, db, users):
    other = app.test_client()
    assert login(other, users["respondent_a"].email).status_code == 302
    assert other.get("/", follow_redirects=True).status_code == 200
    assert len(user_sessions.sessions_of(db.session, users["respondent_a"])) == 1

    login_as("admin")
    url = f"/admin/users/{users['respondent_a'].id}"
    response = client.post_form(f"{url}/deactivate", {}, page=url, follow_redirects=True)
    assert "is deactivated and logged out everywhere" in response.get_data(as_text=True)
    db.session.refresh(users["respondent_a"])
    assert users["respondent_a"].active is False
    assert user_sessions.sessions_of(db.session, users["respondent_a"]) == []
    assert len(events(db, "user.deactivated")) == 1

    response = other.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(other, users["respondent_a"].email, PASSWORD).status_code == 200  # refused

    client.post_form(f"{url}/reactivate", {}, page=url)
    db.session.refresh(users["respondent_a"])
    assert users["respondent_a"].active is True
    assert len(events(db, "user.reactivated")) == 1
    assert login(other, users["respondent_a"].email).status_code == 302


def test_admin_cannot_deactivate_themselves(client, login_as, db, users):
    login_as("admin")
    url = f"/admin/users/{users['admin'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page and "/deactivate" not in page
    response = client.post_form(f"{url}/deactivate", {}, page=url, follow_redirects=True)
    assert "You cannot deactivate your own account: ask another administrator." in (
        response.get_data(as_text=True)
    )
    db.session.refresh(users["admin"])
    assert users["admin"].active is True and events(db, "user.deactivated") == []


def test_admins_can_deactivate_other_admins(client, login_as, db, users):
    from app.services.people import accounts as user_service

    second = user_service.create_user(db.session, "second@example.org", role="admin")
    db.session.commit()
    login_as("admin")
    response = client.post_form(f"/admin/users/{second.id}/deactivate", {}, page="/")
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.active is False


def test_user_page_shows_history_link_and_details(client, login_as, users):
    login_as("coordinator")
    person = users["leader1"]
    html = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "leader1@example.org" in html
    assert f'href="/admin/audit?object_type=user&amp;object_id={person.id}"' in html
