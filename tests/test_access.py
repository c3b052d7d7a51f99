"""Role-only pages and the authorisation module."""

from __future__ import annotations

import pytest

from app import authz
from tests.conftest import action


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("coordinator", 200),
        ("leader1", 403),
        ("respondent_a", 403),
    ],
)
def test_admin_pages_by_role(client, login_as, who, status):
    login_as(who)
    assert client.get("/admin/users").status_code == status
    assert client.get("/admin/organisations").status_code == status


def test_admin_pages_need_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_home_shows_each_role_its_actions(client, login_as):
    login_as("leader1")
    html = client.get("/").get_data(as_text=True)
    assert "Action 1" in html and "Action 2" not in html
    login_as("respondent_b")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "My questionnaires" in html and "Action 1" in html and "Action 3" not in html
    login_as("admin")
    html = client.get("/").get_data(as_text=True)
    assert "Action 11" in html and 'href="/admin/users"' in html


def test_nav_hides_admin_links_from_respondents(client, login_as):
    login_as("respondent_a")
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)


def test_authz_rules(users):
    one, two = action(1), action(2)
    assert authz.can_view_action(users["leader1"], one)
    assert not authz.can_view_action(users["leader1"], two)
    assert authz.can_review_action(users["leader1"], one)
    assert not authz.can_review_action(users["coordinator"], one)
    assert authz.can_export_action(users["coordinator"], two)
    assert not authz.can_export_action(users["respondent_a"], one)
    assert authz.can_view_action(users["respondent_a"], one)
    assert not authz.can_view_action(users["respondent_a"], action(3))
    assert authz.can_administer(users["admin"]) and not authz.can_administer(users["coordinator"])
    users["admin"].active = False
    assert not authz.can_administer(users["admin"])
