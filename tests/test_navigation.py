"""The main navigation per role: grouped, every page reachable, folded on phones without
JavaScript (a checkbox and its label), the account menu and the logout button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ACTIONS = 'href="/"'
REVIEW = 'href="/review/"'
RESULTS = 'href="/results/"'
MANAGE = {
    "organisations": 'href="/admin/organisations"',
    "users": 'href="/admin/users"',
    "invite": 'href="/admin/users/invite"',
    "questionnaires": 'href="/questionnaires/"',
    "audit": 'href="/admin/audit"',
}


def _nav(html: str) -> str:
    return re.search(r'<nav aria-label="Main" class="main-nav">.*?</nav>', html, re.S).group(0)


@pytest.mark.parametrize(
    ("person", "top", "managed"),
    [
        ("admin", [ACTIONS, REVIEW, RESULTS], list(MANAGE)),
        (
            "coordinator",
            [ACTIONS, REVIEW, RESULTS],
            ["organisations", "users", "questionnaires", "audit"],
        ),
        ("leader1", [ACTIONS, REVIEW, RESULTS], ["invite", "questionnaires"]),
        ("respondent_a", ['href="/respond/"'], []),
    ],
)
def test_each_role_sees_its_links_grouped(client, login_as, person, top, managed):
    login_as(person)
    nav = _nav(client.get("/account").get_data(as_text=True))
    for link in top:
        assert link in nav
    group = re.search(r'<details class="nav-menu">.*?</details>', nav, re.S)
    if len(managed) > 1:
        assert ">Manage</summary>" in group.group(0)
        for key in managed:
            assert MANAGE[key] in group.group(0)
    else:
        assert group is None
    for key in set(MANAGE) - set(managed):
        assert MANAGE[key] not in nav
    # the account menu and the logout form, for everyone
    assert 'href="/account"' in nav and 'href="/api-tokens"' in nav
    assert 'class="nav-user"' in nav and 'action="/logout"' in nav


def test_the_menu_folds_without_javascript(client, login_as):
    login_as("admin")
    nav = _nav(client.get("/").get_data(as_text=True))
    assert '<input type="checkbox" id="nav-toggle" class="nav-toggle">' in nav
    assert '<label for="nav-toggle" class="nav-toggle-label">' in nav
    css = (Path(__file__).parent.parent / "app" / "static" / "css" / "app.css").read_text()
    assert ".nav-toggle:checked ~ .nav-list { display: block; }" in css


def test_the_current_section_is_marked_on_its_group(client, login_as):
    login_as("admin")
    nav = _nav(client.get("/admin/audit").get_data(as_text=True))
    assert "<summary data-current>Manage</summary>" in nav
    assert 'href="/admin/audit" aria-current="page"' in nav
    nav = _nav(client.get("/review/").get_data(as_text=True))
    assert "<summary>Manage</summary>" in nav
