"""Issue 18: the researchers' extract, made when an admin approves it: one row per
accepted response, organisations as stable pseudonyms, small groups recoded, free texts
only from organisations that agreed to be quoted; CSV, and SPSS / Stata files whose
value labels come from the codebook (read back here with pyreadstat)."""

from __future__ import annotations

import csv
import io
import re

import pyreadstat
import pytest

from app.definitions.answers import word
from app.models import AuditEntry, QuoteConsent
from app.services.exports import research
from tests import results_support as support
from tests.test_results_pages import IDEA, LIKERT

URL = "/actions/1/exports/research"
APPROVED = {"researcher": "Dr R. Search, Uni X", "purpose": "Comparing cities", "approve": "y"}


@pytest.fixture
def answered(db):
    q = support.publish(db.session, support.definition(1, [LIKERT, IDEA]))
    for index in range(6):
        org = support.organisation(db.session, f"Stadt {index}", "city", "DE", "large")
        response = support.respond(
            db.session, q, org, {"agree": str(index % 5 + 1), "idea": f"Idee {index}"}
        )
        response.quote_consent = QuoteConsent.ANONYMOUS if index == 0 else None
    ngo = support.organisation(db.session, "Patrimoine", "ngo", "FR", None)
    support.respond(db.session, q, ngo, {"agree": "5", "idea": "Idée seule"})
    db.session.commit()


def _download(login_as, fmt: str):
    client = login_as("admin")
    return client.post_form(URL, {**APPROVED, "file_format": fmt}, page=URL)


def test_only_with_an_admins_approval(db, login_as, answered):
    assert login_as("coordinator").get(URL).status_code == 403
    refused = login_as("admin").post_form(URL, {**APPROVED, "approve": ""}, page=URL)
    assert refused.status_code == 400
    assert _download(login_as, "csv").status_code == 200
    entry = db.session.query(AuditEntry).filter_by(event="export.research_extract").one()
    assert entry.details["researcher"] == "Dr R. Search, Uni X"


def test_csv_is_pseudonymised_and_suppressed(app, login_as, answered):
    body = _download(login_as, "csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 7
    assert not any("Stadt" in value or "Patrimoine" in value for r in rows for value in r.values())
    pseudonyms = {r["organisation"] for r in rows}
    assert len(pseudonyms) == 7 and all(p.startswith("ORG-") for p in pseudonyms)
    assert {r["country"] for r in rows} == {"DE", "other"}  # France: one organisation
    assert {r["organisation_kind"] for r in rows} == {"city", "other"}
    assert [r["idea"] for r in rows if r["idea"]] == ["Idee 0"]  # the one that agreed
    assert "response_id" not in rows[0] and "reference" not in rows[0]
    with app.app_context():
        assert (
            research.pseudonym(1, "k") == research.pseudonym(1, "k") != research.pseudonym(2, "k")
        )


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_statistics_files_read_back_with_labels(tmp_path, login_as, answered, fmt):
    answer = _download(login_as, fmt)
    assert answer.status_code == 200
    path = tmp_path / f"extract.{fmt}"
    path.write_bytes(answer.get_data())
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(path))
    assert len(frame) == 7
    labels = meta.variable_value_labels["agree"]
    assert labels[1.0] == "1 – Not at all" and labels[5.0] == "5 – Fully"
    assert sorted(frame["agree"].dropna().astype(int)) == [1, 1, 2, 3, 4, 5, 5]
    assert meta.column_names_to_labels["agree"] == "How far do you agree?"


MULTILINGUAL = {
    "code": "agree",
    "type": "likert",
    "label": {"en": "How far do you agree?", "de": "Wie sehr stimmen Sie zu?"},
    "points": 5,
    "labels": {
        "low": {"en": "Not at all", "de": "Gar nicht"},
        "high": {"en": "Fully", "de": "Voll und ganz"},
    },
    "themes": {"broader_understanding": 1},
}


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_labels_in_the_chosen_language(tmp_path, db, login_as, fmt):
    q = support.publish(db.session, support.definition(1, [MULTILINGUAL]))
    for index in range(3):
        org = support.organisation(db.session, f"Stadt {index}", "city", "DE", "large")
        support.respond(db.session, q, org, {"agree": str(index + 1)})
    db.session.commit()
    client = login_as("admin")
    form = {**APPROVED, "file_format": fmt, "lang": "de"}
    answer = client.post_form(URL, form, page=URL)
    assert answer.status_code == 200
    path = tmp_path / f"extract.{fmt}"
    path.write_bytes(answer.get_data())
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    _frame, meta = reader(str(path))
    labels = meta.variable_value_labels["agree"]
    assert labels[1.0] == "1 – Gar nicht" and labels[5.0] == "5 – Voll und ganz"
    assert labels[-1.0] == word("dk", "de") != word("dk", "en")
    assert meta.column_names_to_labels["agree"] == "Wie sehr stimmen Sie zu?"
    assert meta.column_names_to_labels["organisation_kind"] == "Art der Organisation"
    # French: no French text in the definition, so its English; the fixed labels French.
    extract = research.researcher_extract(
        db.session,
        q.action,
        research_catalogue(db, q),
        secret="k",
        min_orgs=1,
        lang="fr",
    )
    assert extract.column_labels["agree"] == "How far do you agree?"
    assert extract.column_labels["organisation"] == "Organisation (pseudonyme)"


def research_catalogue(db, q):
    from app.services import exports

    return exports.prepare(db.session, q.action)


def test_the_form_offers_the_label_language_in_the_readers_language(login_as, answered):
    page = login_as("admin").get(URL, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Sprache der Beschriftungen" in page
    assert re.search(r'<option selected value="de">|<option value="de" selected>', page)
