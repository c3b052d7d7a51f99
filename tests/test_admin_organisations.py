"""Organisations: the list (search, filters, sort, pages), create and edit with their rules,
deactivation, the audit trail, and names shown escaped everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Organisation, OrgKind, SizeBand
from app.services.people import organisations as service
from tests.conftest import make_org

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
GOOD = {"name": "Comune di Bologna", "kind": "city", "country": "IT", "size_band": "large"}


def events(db, event):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.id)
    ).all()


def org_named(db, name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_create_an_organisation(client, login_as, db):
    login_as("admin")
    response = client.post_form(
        "/admin/organisations/new", {**GOOD, "actions": ["1", "4"], "active": "y"}
    )
    assert response.status_code == 302
    org = org_named(db, "Comune di Bologna")
    assert org.kind == OrgKind.CITY and org.size_band == SizeBand.LARGE and org.country == "IT"
    assert [a.number for a in org.actions] == [1, 4] and org.active
    assert response.headers["Location"].endswith(f"/admin/organisations/{org.id}")
    (entry,) = events(db, "organisation.created")
    assert entry.object_id == str(org.id) and entry.actor == "admin@example.org"
    assert entry.details["actions"] == [1, 4] and entry.ip == "127.0.0.1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Organisation “Comune di Bologna” created." in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the organisation's name."),
        ({"name": "x" * 201}, "name", "The name is too long: at most 200 characters."),
        ({"name": "   "}, "name", "Enter the organisation's name."),
        ({"kind": ""}, "kind", "Choose the kind of organisation."),
        ({"kind": "castle"}, "kind", "Choose one of the options listed."),
        ({"country": ""}, "country", "Choose the country."),
        ({"country": "XX"}, "country", "Choose the country (ISO 3166), e.g. DE for Germany."),
        ({"size_band": ""}, "size_band", "Choose the city size band: every city needs one."),
        ({"size_band": "huge"}, "size_band", "Choose one of the options listed."),
        (
            {"kind": "region"},
            "size_band",
            "Only cities have a size band: choose “None”, or change the kind to city.",
        ),
        ({"actions": ["12"]}, "actions", "Choose actions from the list (1 to 11)."),
        ({"actions": ["one"]}, "actions", "Choose actions from the list (1 to 11)."),
        (
            {"name": "city a"},
            "name",
            "An organisation named “City A” already exists (names are compared without regard "
            "to case): choose another name or edit that organisation.",
        ),
        (
            {"name": "  CITY   A "},
            "name",
            "An organisation named “City A” already exists",
        ),
    ],
)
def test_create_refuses_bad_input(client, login_as, db, orgs, changes, field, message):
    login_as("admin")
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = client.post_form("/admin/organisations/new", {**GOOD, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert db.session.scalar(select(func.count(Organisation.id))) == before
    assert events(db, "organisation.created") == []


def test_every_problem_shows_at_once(client, login_as, orgs):
    login_as("admin")
    data = {"name": "CITY A", "kind": "region", "country": "", "size_band": "small"}
    html = client.post_form("/admin/organisations/new", data).get_data(as_text=True)
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "An organisation named “City A” already exists" in summary
    assert "Choose the country." in summary
    assert "Only cities have a size band" in summary


def test_size_band_is_kept_for_cities_only(db, orgs):
    problems = service.problems_with(
        db.session, service.OrgInput("New", kind="ngo", country="BE", size_band="small")
    )
    assert set(problems) == {"size_band"}
    problems = service.problems_with(
        db.session, service.OrgInput("New", kind="city", country="BE", size_band=None)
    )
    assert set(problems) == {"size_band"}
    assert not service.problems_with(
        db.session, service.OrgInput("New", kind="city", country="be", size_band="small")
    )


def test_edit_an_organisation_records_what_changed(client, login_as, db, orgs):
    login_as("admin")
    org_id = orgs["B"].id
    page = client.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    assert 'value="Region B"' in page and re.search(r'<option selected value="IT">', page)
    response = client.post_form(
        f"/admin/organisations/{org_id}",
        {"name": "Regione B", "kind": "region", "country": "IT", "size_band": "", "actions": ["3"]},
    )
    assert response.status_code == 302
    org = db.session.get(Organisation, org_id)
    assert org.name == "Regione B" and [a.number for a in org.actions] == [3]
    assert org.active is False  # the box was unticked
    (updated,) = events(db, "organisation.updated")
    assert updated.details["changes"] == {
        "name": ["Region B", "Regione B"],
        "actions": [[1, 2], [3]],
    }
    assert len(events(db, "organisation.deactivated")) == 1


def test_edit_keeps_own_name_but_not_anothers(client, login_as, db, orgs):
    login_as("admin")
    url = f"/admin/organisations/{orgs['B'].id}"
    same = {"name": "REGION B", "kind": "region", "country": "IT", "size_band": "", "active": "y"}
    assert client.post_form(url, same).status_code == 302
    assert orgs["B"].name == "REGION B"
    taken = {**same, "name": "city a"}
    html = client.post_form(url, taken).get_data(as_text=True)
    assert "An organisation named “City A” already exists" in html


def test_unchanged_save_says_so_and_records_nothing(client, login_as, db, orgs):
    login_as("admin")
    url = f"/admin/organisations/{orgs['A'].id}"
    data = {**GOOD, "name": "City A", "country": "DE", "size_band": "medium"}
    data |= {"actions": ["1", "2"], "active": "y"}
    response = client.post_form(url, data, follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    assert events(db, "organisation.updated") == []


def test_deactivate_and_reactivate(client, login_as, db, orgs):
    login_as("admin")
    url = f"/admin/organisations/{orgs['A'].id}"
    response = client.post_form(f"{url}/deactivate", {}, page=url, follow_redirects=True)
    assert "is deactivated" in response.get_data(as_text=True)
    assert orgs["A"].active is False
    listing = client.get("/admin/organisations?active=no").get_data(as_text=True)
    assert "City A" in listing and "Region B" not in listing
    client.post_form(f"{url}/reactivate", {}, page=url)
    assert orgs["A"].active is True
    assert [e.event for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][
        -2:
    ] == ["organisation.deactivated", "organisation.reactivated"]


def test_list_search_filters_and_counts(client, login_as, db, orgs, users):
    make_org("Ministero della Cultura", OrgKind.MEMBER_STATE, "IT", actions=())
    make_org("Europa 100% Nostra", OrgKind.NGO, "NL", actions=())
    db.session.commit()
    login_as("coordinator")

    def names(query=""):
        html = client.get(f"/admin/organisations{query}").get_data(as_text=True)
        return re.findall(r'<a href="/admin/organisations/\d+">([^<]+)</a>', html)

    assert names() == ["City A", "Europa 100% Nostra", "Ministero della Cultura", "Region B"]
    assert names("?q=CULT") == ["Ministero della Cultura"]
    assert names("?q=100%25") == ["Europa 100% Nostra"]  # % is searched for, not a wildcard
    assert names("?q=%25") == ["Europa 100% Nostra"]
    assert names("?kind=member_state") == ["Ministero della Cultura"]
    assert names("?country=IT") == ["Ministero della Cultura", "Region B"]
    assert names("?country=IT&kind=region") == ["Region B"]
    assert names("?sort=-name")[0] == "Region B"
    assert names("?sort=country")[0] == "City A"  # DE first
    assert names("?sort=nonsense") == names()
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "4 organisations: 4 active, 0 inactive." in html
    # Accounts per organisation: City A has two respondents.
    row = re.search(r"City A</a></td>.*?</tr>", html, re.S).group(0)
    assert '<td class="num">2</td>' in row


def test_tampered_filters_do_not_break_the_list(client, login_as, orgs):
    login_as("admin")
    response = client.get("/admin/organisations?kind=castle&active=maybe&page=abc&country=ZZ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "City A" in html and "Region B" in html  # invalid filters are not applied
    assert "Choose one of the options listed." in html


def test_list_pages_by_50(client, login_as, db):
    for n in range(51):
        make_org(f"Town {n:02d}", actions=())
    db.session.commit()
    login_as("admin")  # its fixture adds City A and Region B, listed before the towns
    first = client.get("/admin/organisations").get_data(as_text=True)
    assert "Showing 1–50 of 53" in first and "Town 47" in first and "Town 48" not in first
    second = client.get("/admin/organisations?page=2").get_data(as_text=True)
    assert "Showing 51–53 of 53" in second and "Town 50" in second and "Town 00" not in second
    beyond = client.get("/admin/organisations?page=9")
    assert beyond.status_code == 200 and "Go to the first page" in beyond.get_data(as_text=True)
    filtered = client.get("/admin/organisations?q=Town+5").get_data(as_text=True)
    assert "1 result" in filtered and "Town 50" in filtered


def test_names_are_escaped_on_every_page(client, login_as, db, users):
    org = make_org(XSS, OrgKind.NGO, "BE", actions=())
    users["respondent_b"].organisation = org
    db.session.commit()
    login_as("admin")
    pages = [
        "/admin/organisations",
        f"/admin/organisations/{org.id}",
        "/admin/users",
        f"/admin/users/{users['respondent_b'].id}",
    ]
    # Rename it through the form too, so the audit log holds the name in its details.
    client.post_form(
        f"/admin/organisations/{org.id}",
        {"name": XSS + "!", "kind": "ngo", "country": "BE", "size_band": "", "active": "y"},
    )
    pages.append("/admin/audit")
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert XSS not in html, url
        assert ESCAPED in html, url
