"""Breakdowns by country name the countries in the page's language, in that language's
alphabetical order (``countries.country_name``, ``collation``): not English names, not
sorted by code. The results pages, the report, the benchmark and the snapshot all read
``aggregation.figures``."""

from __future__ import annotations

import re

from app.services.results import aggregation as agg
from app.services.results.disclosure import FULL_ACCESS
from tests import results_support as support
from tests.test_results_pages import LIKERT

COUNTRIES = ["PL", "AT", "FR", "DE", "BE"]


def _answered(db):
    q = support.publish(db.session, support.definition(1, [LIKERT]))
    for code in COUNTRIES:
        org = support.organisation(db.session, f"Org {code}", "city", code, "small")
        support.respond(db.session, q, org, {"agree": "4"})
    db.session.commit()


def test_country_groups_in_the_language_and_its_order(db):
    _answered(db)
    labels = {}
    for lang in ("en", "de", "fr", "it"):
        bd = agg.breakdown(db.session, agg.Filters(FULL_ACCESS), "country", lang)
        labels[lang] = [g.label for g in bd.groups]
        assert {g.key for g in bd.groups} == set(COUNTRIES)
    assert labels["en"] == ["Austria", "Belgium", "France", "Germany", "Poland"]
    # Österreich among the O's (collation), not after Polen (code points) nor first (AT).
    assert labels["de"] == ["Belgien", "Deutschland", "Frankreich", "Österreich", "Polen"]
    assert labels["fr"] == ["Allemagne", "Autriche", "Belgique", "France", "Pologne"]
    assert labels["it"] == ["Austria", "Belgio", "Francia", "Germania", "Polonia"]


def test_the_results_page_names_countries_in_german(db, login_as):
    _answered(db)
    client = login_as("admin")
    html = client.get(
        "/results/themes/broader_understanding", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    names = re.findall(r'<th scope="row">([^<]+)</th>', html)
    shown = [
        n for n in names if n in {"Belgien", "Deutschland", "Frankreich", "Österreich", "Polen"}
    ]
    assert shown[:5] == ["Belgien", "Deutschland", "Frankreich", "Österreich", "Polen"]
