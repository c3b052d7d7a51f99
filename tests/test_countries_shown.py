"""Countries by name in the page's language, the EU Member States first: the respondent's
list, the export, review-queue, results and organisation filters."""

from __future__ import annotations

import re

from app.countries import EU_MEMBER_STATES, country_groups
from tests.conftest import make_org
from tests.export_helpers import golden_responses
from tests.respond_support import section_url


def _options(html: str, select_id: str) -> list[tuple[str, str, str]]:
    """(optgroup label, value, text) of each option of a select, in order."""
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found, group = [], ""
    for match in re.finditer(
        r'<optgroup label="([^"]*)">|<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select
    ):
        if match.group(1) is not None:
            group = match.group(1)
        elif match.group(2):
            found.append((group, match.group(2), match.group(3)))
    return found


def test_eu_member_states_come_first_then_the_rest():
    eu, rest = country_groups("en")
    assert {code for code, _name in eu} == EU_MEMBER_STATES
    assert eu[0] == ("AT", "Austria") and rest[0] == ("AF", "Afghanistan")
    eu_de, _rest = country_groups("de")
    assert ("DE", "Deutschland") in eu_de and eu_de[0] == ("BE", "Belgien")
    only, others = country_groups("fr", only=["it", "CH", "DE"])
    assert only == [("DE", "Allemagne"), ("IT", "Italie")] and others == [("CH", "Suisse")]


def test_the_respondents_list_starts_with_the_member_states(client, users, questionnaire, login_as):
    login_as("respondent_a")
    options = _options(
        client.get(section_url("organisation")).get_data(as_text=True), "f-org_country"
    )
    assert options[0] == ("EU Member States", "AT", "Austria")
    assert [group for group, _v, _t in options[:27]] == ["EU Member States"] * 27
    assert options[27] == ("Other countries", "AF", "Afghanistan")
    assert len(options) == 249
    options = _options(
        client.get(section_url("organisation") + "?lang=it").get_data(as_text=True), "f-org_country"
    )
    assert options[0] == ("Stati membri dell’UE", "AT", "Austria")
    assert ("Stati membri dell’UE", "DE", "Germania") in options


def test_the_filters_name_the_countries_in_use(client, login_as, db, users):
    golden_responses()  # organisations in DE, GR, FR and IT
    make_org("Zürich", country="CH")
    db.session.commit()
    login_as("admin")
    html = client.get("/actions/1/exports?lang=de").get_data(as_text=True)
    assert _options(html, "country") == [
        ("EU-Mitgliedstaaten", "DE", "Deutschland"),
        ("EU-Mitgliedstaaten", "FR", "Frankreich"),
        ("EU-Mitgliedstaaten", "GR", "Griechenland"),
        ("EU-Mitgliedstaaten", "IT", "Italien"),
        ("Andere Länder", "CH", "Schweiz"),
    ]
    html = client.get("/review/?lang=en").get_data(as_text=True)
    assert [text for _g, _v, text in _options(html, "country")] == [
        "France",
        "Germany",
        "Greece",
        "Italy",
        "Switzerland",
    ]
