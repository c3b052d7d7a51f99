"""Names sort by the Unicode Collation Algorithm (pyuca), not by code point: "City of
Évora" among the E's, "Óbidos" among the O's, in lists, dropdowns and the review queue."""

from __future__ import annotations

import re

from app.collation import collated, sort_key
from app.models import OrgKind
from tests.conftest import make_org
from tests.review_helpers import make_response, publish_example

NAMES = ["City of Zamość", "Óbidos", "City of Évora", "city of Aveiro", "City of Eindhoven", "Łódź"]
EXPECTED = [
    "city of Aveiro",
    "City of Eindhoven",
    "City of Évora",
    "City of Zamość",
    "Łódź",
    "Óbidos",
]


def test_collation_order():
    assert sorted(NAMES) != EXPECTED  # by code point, Évora, Łódź and Óbidos come last
    assert collated(NAMES) == EXPECTED
    assert sort_key("Zürich") < sort_key("Zwickau") and sort_key("Ærø") < sort_key("Berlin")


def _names_in(html: str, pattern: str) -> list[str]:
    return [name for name in re.findall(pattern, html) if name in NAMES]


def test_organisation_list_filters_and_dropdowns_collate(client, login_as, db, users):
    for name in NAMES:
        make_org(name, OrgKind.CITY, "PT")
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert _names_in(html, r'<a href="/admin/organisations/\d+">([^<]+)</a>') == EXPECTED
    html = client.get("/admin/organisations?sort=-name").get_data(as_text=True)
    assert _names_in(html, r'<a href="/admin/organisations/\d+">([^<]+)</a>') == EXPECTED[::-1]
    html = client.get("/admin/users").get_data(as_text=True)
    assert _names_in(html, r"<option value=\"\d+\">([^<]+)</option>") == EXPECTED
    html = client.get("/admin/users/invite").get_data(as_text=True)
    assert _names_in(html, r"<option value=\"\d+\">([^<]+)</option>") == EXPECTED


def test_pages_of_the_organisation_list_follow_the_collation(client, login_as, db, users, app):
    for name in NAMES:
        make_org(name, OrgKind.CITY, "PT")
    db.session.commit()
    login_as("admin")
    import app.admin.routes as admin_routes

    old = admin_routes.PER_PAGE
    admin_routes.PER_PAGE = 3
    try:
        # City A and Region B (the fixtures' organisations) sort among them
        pages = [
            _names_in(
                client.get(f"/admin/organisations?page={n}").get_data(as_text=True),
                r'<a href="/admin/organisations/\d+">([^<]+)</a>',
            )
            for n in (1, 2, 3)
        ]
    finally:
        admin_routes.PER_PAGE = old
    assert [name for page in pages for name in page] == EXPECTED


def test_people_sort_by_collation(client, login_as, db, users):
    users["respondent_b"].display_name = "Élodie Martin"
    users["colleague_a"].display_name = "Zoé Zola"
    users["leader2"].display_name = "Émile Ollivier"
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/users").get_data(as_text=True)
    listed = re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a>', html)
    assert listed.index("Élodie Martin") < listed.index("Émile Ollivier") < listed.index("Leader1")
    assert listed[-1] == "Zoé Zola"


def test_the_review_queue_sorts_organisations_by_collation(client, login_as, db, users):
    questionnaire = publish_example(1)
    for name in NAMES:
        make_response(questionnaire, make_org(name, OrgKind.CITY, "PT"))
    login_as("admin")
    html = client.get("/review/?sort=organisation&order=asc").get_data(as_text=True)
    assert _names_in(html, r'<a href="/review/\d+">([^<]+)</a>') == EXPECTED
    html = client.get("/review/?sort=organisation&order=desc").get_data(as_text=True)
    assert _names_in(html, r'<a href="/review/\d+">([^<]+)</a>') == EXPECTED[::-1]
