"""The respondent's copy (issue 17): the submitted answers as PDF (text read back with
pdftotext) and CSV, in German, with every question type, hidden questions left out; only
the organisation's people and the action's reviewers get it."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import login
from tests.respond_support import SECTION1, SECTION2, fill_all, response_of, save


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is missing: .ci/run installs it")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(  # noqa: S603 (a fixed command, the PDF on stdin)
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return re.sub(r"\s+", " ", out.stdout.decode())  # lines wrap where the page ends


def submit(client) -> None:
    html = client.get("/respond/1/review").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
    posted = client.post_form("/respond/1/submit", {"lock_version": lock}, page="/respond/1/review")
    assert posted.status_code == 302


@pytest.fixture
def submitted(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    fill_all(client)
    submit(client)
    return response_of(db, orgs["A"])


def test_the_pdf_in_german_has_every_answer(client, submitted):
    got = client.get("/respond/1/copy.pdf?lang=de")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].endswith(f'{submitted.reference}-de.pdf"')
    text = pdf_text(got.data)
    for expected in [
        "Sharing Economy und Kurzzeitvermietung (Beispiel)",  # the title, in German
        f"Referenznummer {submitted.reference}",
        "Ihre Organisation und diese Maßnahme",  # a section title
        "Wie relevant ist das Thema für Ihre tägliche Arbeit?",  # likert label
        "Deutschland",  # country
        "Ja",  # yes_no
        "2019-05-01",  # date
        "Caps on nights per year; Zoning",  # multiple choice (labels without German)
        "60 Nächte",  # number with its unit
        "12.5",  # number
        "Housing prices",  # matrix item
        "Platforms share them",  # single choice
        "1. Better funding; 2. Better regulation; 3. Better knowledge",  # ranking
        "Registration in Lisbon",  # short text
        "Share data across cities.",  # long text
        "Eingereicht",
    ]:
        assert expected in text, f"{expected!r} not in the PDF text:\n{text}"


def test_hidden_questions_are_left_out(db, client, users, orgs, questionnaire, login_as):
    login_as("respondent_a")
    save(client, "organisation", {**SECTION1, "org_role": "external"}, nav="next")
    save(client, "practice", {**SECTION2, "has_regulation": "no"}, nav="next")
    submit(client)
    text = pdf_text(client.get("/respond/1/copy.pdf").data)
    assert "Do you regulate short-term rentals?" in text or "has_regulation" in text
    assert "Since when?" not in text and "regulation_since" not in text
    assert "What you need" not in text  # a section hidden by a condition
    rows = list(
        csv.DictReader(io.StringIO(client.get("/respond/1/copy.csv").data.decode("utf-8-sig")))
    )
    codes = [r["question_code"] for r in rows]
    assert "has_regulation" in codes and "regulation_since" not in codes
    assert "priorities" not in codes


def test_the_csv_copy(client, submitted):
    got = client.get("/respond/1/copy.csv?lang=de")
    assert got.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(got.data.decode("utf-8-sig"))))
    by_code = {r["question_code"]: r for r in rows}
    assert by_code["org_country"]["answer"] == "Deutschland"
    assert by_code["org_country"]["reference"] == submitted.reference
    assert by_code["org_relevance"]["section"] == "Ihre Organisation und diese Maßnahme"


def test_only_the_organisation_and_the_reviewers_get_it(app, client, users, submitted, login_as):
    for name, status in [
        ("respondent_a", 200),
        ("colleague_a", 200),
        ("respondent_b", 404),  # their own organisation has submitted nothing
        ("leader1", 403),  # respondents' pages are for respondents
    ]:
        other = app.test_client()
        login(other, users[name].email)
        assert other.get("/respond/1/copy.pdf").status_code == status, name
    for name, status in [
        ("leader1", 200),
        ("coordinator", 200),
        ("admin", 200),
        ("leader2", 403),  # another action's leader
        ("respondent_a", 403),
        ("respondent_b", 403),
    ]:
        other = app.test_client()
        login(other, users[name].email)
        got = other.get(f"/review/{submitted.id}/copy.pdf")
        assert got.status_code == status, name
        if status == 200:
            assert got.data.startswith(b"%PDF")


def test_receipt_overview_and_review_page_link_to_it(client, submitted, login_as):
    assert "/respond/1/copy.pdf" in client.get("/respond/1/receipt").get_data(as_text=True)
    assert "/respond/1/copy.pdf" in client.get("/respond/1/").get_data(as_text=True)
    page = login_as("leader1").get(f"/review/{submitted.id}").get_data(as_text=True)
    assert f"/review/{submitted.id}/copy.pdf" in page


def test_the_submission_email_links_to_the_copy(
    db, client, users, orgs, questionnaire, login_as, mail_server
):
    login_as("respondent_a")
    fill_all(client)
    submit(client)
    # the organisation's respondents (and the action's leader, told separately)
    messages = [m for m in mail_server.wait_for(3) if m["To"] != "leader1@example.org"]
    assert sorted(m["To"] for m in messages) == [
        "colleague_a@example.org",
        "respondent_a@example.org",
    ]
    body = messages[0].get_content()
    assert "/respond/1/copy.pdf" in body and response_of(db, orgs["A"]).reference in body
