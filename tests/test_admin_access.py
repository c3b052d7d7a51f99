"""Who may use each administration route: admins change, coordinators read, others 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry

# Pages that show data: coordinators read them too.
READ_PAGES = [
    "/admin/organisations",
    "/admin/organisations/{org}",
    "/admin/users",
    "/admin/users/{user}",
    "/admin/audit",
    "/admin/audit.csv",
]
# Pages that exist only to change something: admins only.
ADMIN_PAGES = [
    "/admin/organisations/new",
    "/admin/organisations/import",
    "/admin/organisations/import/template.csv",
]
POSTS = [
    "/admin/organisations/new",
    "/admin/organisations/{org}",
    "/admin/organisations/{org}/deactivate",
    "/admin/organisations/{org}/reactivate",
    "/admin/organisations/import",
    "/admin/organisations/import/commit",
    "/admin/users/{user}",
    "/admin/users/{user}/deactivate",
    "/admin/users/{user}/reactivate",
]


def _url(template, orgs, users):
    return template.format(org=orgs["A"].id, user=users["respondent_a"].id)


def _statuses(client, method, templates, orgs, users):
    """{url: status} for every route, so a failure names the routes that are wrong."""
    result = {}
    for template in templates:
        url = _url(template, orgs, users)
        if method == "get":
            response = client.get(url)
        else:
            response = client.post_form(url, {}, page="/login")
        response.close()  # a streamed CSV holds its request context until closed
        result[url] = (response.status_code, response.headers.get("Location", ""))
    return result


def test_anonymous_is_sent_to_login(client, orgs, users):
    for method, templates in (("get", READ_PAGES + ADMIN_PAGES), ("post", POSTS)):
        for url, (status, location) in _statuses(client, method, templates, orgs, users).items():
            assert status == 302 and "/login" in location, (method, url, status)


@pytest.mark.parametrize("who", ["leader1", "respondent_a"])
def test_leaders_and_respondents_get_403_everywhere(client, login_as, orgs, users, who):
    login_as(who)
    gets = _statuses(client, "get", READ_PAGES + ADMIN_PAGES, orgs, users)
    posts = _statuses(client, "post", POSTS, orgs, users)
    assert {url: s for url, (s, _) in (gets | posts).items() if s != 403} == {}


def test_coordinator_reads_but_changes_nothing(client, login_as, orgs, users):
    login_as("coordinator")
    reads = _statuses(client, "get", READ_PAGES, orgs, users)
    assert {url: s for url, (s, _) in reads.items() if s != 200} == {}
    # Pages that exist only to change something are refused outright.
    writes = _statuses(client, "get", ADMIN_PAGES, orgs, users)
    writes |= _statuses(client, "post", POSTS, orgs, users)
    assert {url: s for url, (s, _) in writes.items() if s != 403} == {}


def test_admin_gets_every_page(client, login_as, orgs, users):
    login_as("admin")
    pages = _statuses(client, "get", READ_PAGES + ADMIN_PAGES, orgs, users)
    assert {url: s for url, (s, _) in pages.items() if s != 200} == {}


def test_admin_posts_are_not_refused(client, login_as, orgs, users):
    """Empty posts: a form with errors (200), or done and redirected (302); never 403."""
    login_as("admin")
    posts = _statuses(client, "post", POSTS, orgs, users)
    assert {url: s for url, (s, _) in posts.items() if s not in (200, 302)} == {}


def test_coordinator_sees_no_edit_buttons(client, login_as, orgs, users):
    login_as("coordinator")
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Add an organisation" not in listing and "Import from CSV" not in listing
    page = client.get(f"/admin/organisations/{orgs['A'].id}").get_data(as_text=True)
    assert "City A" in page and "<form" not in page.split("<main", 1)[1]
    page = client.get(f"/admin/users/{users['respondent_a'].id}").get_data(as_text=True)
    assert "respondent_a@example.org" in page
    assert "<form" not in page.split("<main", 1)[1]


def test_admin_sees_edit_forms(client, login_as, orgs, users):
    login_as("admin")
    page = client.get(f"/admin/organisations/{orgs['A'].id}").get_data(as_text=True)
    assert 'name="name"' in page and "Deactivate" in page
    page = client.get(f"/admin/users/{users['respondent_a'].id}").get_data(as_text=True)
    assert 'name="role"' in page and "Deactivate this account" in page


def test_nav_links_the_audit_log_for_admins_and_coordinators_only(client, login_as):
    login_as("coordinator")
    assert 'href="/admin/audit"' in client.get("/").get_data(as_text=True)
    login_as("leader1")
    assert 'href="/admin/audit"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "template",
    [
        "/admin/organisations/new",
        "/admin/organisations/{org}",
        "/admin/organisations/{org}/deactivate",
        "/admin/users/{user}",
        "/admin/users/{user}/deactivate",
        "/admin/organisations/import",
        "/admin/organisations/import/commit",
    ],
)
def test_posts_without_csrf_token_are_refused(client, login_as, orgs, users, db, template):
    login_as("admin")
    before = db.session.scalars(select(AuditEntry.event)).all()
    response = client.post(
        _url(template, orgs, users),
        data={"name": "Sneaky", "kind": "region", "country": "DE", "role": "admin"},
    )
    assert response.status_code == 400
    assert "security check failed" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEntry.event)).all() == before
    db.session.refresh(users["respondent_a"])
    assert users["respondent_a"].active and users["respondent_a"].role.value == "respondent"


def test_unknown_ids_are_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/organisations/999").status_code == 404
    assert client.get("/admin/users/999").status_code == 404
    assert client.post_form("/admin/users/999/deactivate", {}, page="/").status_code == 404
