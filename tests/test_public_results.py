"""Issue 18: published results. An admin publishes a snapshot (title and introduction per
language); anyone reads its overview, perspectives, Greek facade, theme pages and report
without logging in; every figure rests on at least DISCLOSURE_MIN_ORGS_PUBLIC (5)
organisations and only consented quotes appear; the snapshot never changes, and a later
one replaces it with a visible date.

The partnership: 6 German cities answering action 1 (agree 2 or 3: 25 or 50) and one
French NGO alone scoring 100, whose figures must appear nowhere."""

from __future__ import annotations

import re

import pytest
from flask import current_app

from app.models import QuoteConsent, ResultsSnapshot, SnapshotImmutableError
from app.services.results import snapshot as snapshots
from app.services.results.disclosure import Audience
from tests import results_support as support
from tests.test_results_pages import IDEA, LIKERT

PAGES = ["/public/", "/public/perspectives", "/public/facade", "/public/report"] + [
    f"/public/themes/{key}"
    for key in (
        "broader_understanding",
        "resilience",
        "identity_democracy",
        "social_inclusion",
        "integrated_approaches",
    )
]
LONE = ["100.0", "Idée seule"]  # the NGO's score and its (unconsented) quote


def shows(body: str, marker: str) -> bool:
    return re.search(rf'(?<!=")(?<![\d.]){re.escape(marker)}(?![\d%])', body) is not None


@pytest.fixture
def partnership(db):
    q = support.publish(db.session, support.definition(1, [LIKERT, IDEA]))
    consents = [QuoteConsent.NAMED, QuoteConsent.ANONYMOUS, QuoteConsent.NONE, None, None, None]
    for index, consent in enumerate(consents):
        org = support.organisation(db.session, f"Stadt {index}", "city", "DE", "large")
        response = support.respond(
            db.session, q, org, {"agree": "2" if index % 2 else "3", "idea": f"Idee {index}"}
        )
        response.quote_consent = consent
    ngo = support.organisation(db.session, "Patrimoine", "ngo", "FR", None)
    support.respond(db.session, q, ngo, {"agree": "5", "idea": "Idée seule"})
    db.session.commit()
    return q


def publish(login_as, title: str = "Results 2026") -> None:
    client = login_as("admin")
    form = {
        "title_en": title,
        "introduction_en": "What the Partnership heard.",
        "title_de": "Ergebnisse",
    }
    done = client.post_form("/public/publish", form, page="/public/publish")
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    assert done.headers["Location"].endswith("/public/publish")
    # Queued, not published yet: the worker publishes (``flask worker --once``).
    assert "Publishing…" in client.get("/public/publish").get_data(as_text=True)
    ran = current_app.test_cli_runner().invoke(args=["worker", "--once"])
    assert ran.exit_code == 0, ran.output
    assert "Publishing…" not in client.get("/public/publish").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})


def _figures(page) -> str:
    """A page without its charts' element ids (numbered per rendering)."""
    return re.sub(r"([a-z]+-)\d+", r"\1", page.get_data(as_text=True))


def test_nothing_before_the_first_publication(client, db):
    assert "has not published its results yet" in client.get("/public/").get_data(as_text=True)
    assert client.get("/public/report").status_code == 404


def test_only_admins_publish(login_as, users):
    assert login_as("coordinator").get("/public/publish").status_code == 403
    assert login_as("admin").get("/public/publish").status_code == 200
    refused = login_as("admin").post_form("/public/publish", {}, page="/public/publish")
    assert refused.status_code == 400  # an English title and introduction are required


def test_public_pages_without_login_show_nothing_below_the_threshold(
    app, db, client, users, login_as, partnership
):
    publish(login_as)
    for url in PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.get_data(as_text=True)
        assert "Results 2026" in body
        for marker in LONE:
            assert not shows(body, marker), (url, marker)
    theme = client.get("/public/themes/identity_democracy").get_data(as_text=True)
    assert "Idee 0" in theme and "Stadt 0" in theme  # named
    assert "Idee 1" in theme and "Stadt 1" not in theme  # anonymous
    for refused in ("Idee 2", "Idee 3", "Idée seule"):  # refused, not asked
        assert refused not in theme
    # France (one organisation) is not named: it is folded into "Other", with no figure.
    scored = client.get("/public/themes/resilience").get_data(as_text=True)
    assert "France" not in scored
    other = r'Other \(groups of fewer than 5\)</th>\s*<td class="num suppressed" colspan="4">'
    assert re.search(other + "fewer than 5", scored)
    german = client.get("/public/themes/resilience", headers={"Accept-Language": "de"})
    assert "Frankreich" not in german.get_data(as_text=True)
    german = client.get("/public/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Ergebnisse" in german


def test_stored_figures_are_suppressed(app, db, users, login_as, partnership):
    publish(login_as)
    stored = snapshots.raw_figures(snapshots.current(db.session))
    for cells in stored["breakdowns"].values():
        for _, _, stat in cells["cells"]:
            assert stat["suppressed"] or stat["n"] == 0 or stat["n"] >= 5
    # The NGO's kind, country and size are not named: "Other", hidden with a complement.
    for by in ("kind", "country", "size"):
        keys = {g["key"] for g in stored["breakdowns"][by]["groups"]}
        assert not keys & {"ngo", "FR", "none"}, by
        assert not {c[0] for c in stored["breakdowns"][by]["cells"]} & {"ngo", "FR", "none"}
    hidden = [c for c in stored["breakdowns"]["kind"]["cells"] if c[2]["suppressed"]]
    assert {c[0] for c in hidden} >= {"_other"}
    assert "Frankreich" not in str(snapshots.raw_figures(snapshots.current(db.session), "de"))


def test_immutable_and_replaced_with_a_date(db, client, users, login_as, partnership):
    publish(login_as, "First")
    first = snapshots.current(db.session)
    client.get("/public/")  # shows the flash "You have logged out."
    before = _figures(client.get("/public/"))
    # New answers change nothing on show until the next publication.
    org = support.organisation(db.session, "Stadt neu", "city", "DE", "large")
    support.respond(db.session, partnership, org, {"agree": "5", "idea": "neu"})
    db.session.commit()
    assert _figures(client.get("/public/")) == before
    first.title = {"en": "Changed"}
    with pytest.raises(SnapshotImmutableError):
        db.session.flush()
    db.session.rollback()
    publish(login_as, "Second")
    body = client.get("/public/").get_data(as_text=True)
    assert "Second" in body and "Earlier publications" in body
    assert db.session.query(ResultsSnapshot).count() == 2


def test_computed_for_the_public_audience_only(app, db, partnership):
    with pytest.raises(ValueError):
        snapshots.compute(db.session, Audience(), "en")


def test_cli_publishes(db, client, runner, partnership):
    bad = runner.invoke(
        args=["results", "publish", "--title", "de=Nur Deutsch", "--introduction", "de=x"]
    )
    assert bad.exit_code == 2 and "English" in bad.output
    done = runner.invoke(
        args=["results", "publish", "--title", "en=From the CLI", "--introduction", "en=Hello."]
    )
    assert done.exit_code == 0, done.output
    assert "From the CLI" in client.get("/public/").get_data(as_text=True)
