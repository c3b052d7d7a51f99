"""The audit page tells each entry as a sentence in the reader's language, its people and
things as links, the full record one click away; the CSV download keeps the filters."""

from __future__ import annotations

import re

import pytest

from app.services import audit
from app.services.responding import review as review_service
from tests.review_helpers import make_response, publish_example


@pytest.fixture
def returned(db, users, orgs):
    questionnaire = publish_example(1)
    response = make_response(questionnaire, orgs["A"], respondent=users["respondent_a"])
    review_service.review(
        db.session,
        response,
        "return",
        user=users["admin"],
        overall_comment="Please say more.",
        question_comments={"has_regulation": "Which one?"},
    )
    db.session.commit()
    return response


def _entry(html: str, event: str) -> str:
    match = re.search(
        rf'<li class="audit-entry" data-event="{re.escape(event)}">(.*?)</li>', html, re.S
    )
    assert match, f"no {event} entry"
    return match.group(1)


def _sentence(html: str, event: str) -> str:
    entry = _entry(html, event)
    return re.search(r'<p class="audit-sentence">(.*?)</p>', entry, re.S).group(1)


def _text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment)


def test_a_review_reads_as_a_sentence_with_links(client, login_as, users, orgs, returned):
    login_as("coordinator")
    html = client.get("/admin/audit").get_data(as_text=True)
    sentence = _sentence(html, "review.returned")
    assert _text(sentence) == (
        f"Admin returned response {returned.reference} to City A with 2 comments"
    )
    assert f'<a href="/admin/users/{users["admin"].id}">Admin</a>' in sentence
    assert f'<a href="/review/{returned.id}">{returned.reference}</a>' in sentence
    assert f'<a href="/admin/organisations/{orgs["A"].id}">City A</a>' in sentence


def test_the_full_record_is_one_click_away(client, login_as, returned):
    login_as("admin")
    entry = _entry(client.get("/admin/audit").get_data(as_text=True), "review.returned")
    assert "<details" in entry and "Full record" in entry
    assert "<code>review.returned</code>" in entry
    assert "&#34;comment&#34;: &#34;Please say more.&#34;" in entry


def test_sentences_in_the_readers_language(client, login_as, users, orgs, returned, db):
    audit.record(db.session, "organisation.created", user=users["admin"], obj=orgs["B"])
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit?lang=de").get_data(as_text=True)
    assert _text(_sentence(html, "review.returned")) == (
        f"Admin hat die Antwort {returned.reference} mit 2 Kommentaren an City A zurückgegeben"
    )
    assert _text(_sentence(html, "organisation.created")) == (
        "Admin hat die Organisation Region B angelegt"
    )
    html = client.get("/admin/audit?lang=fr").get_data(as_text=True)
    assert _text(_sentence(html, "organisation.created")) == (
        "Admin a créé l’organisation Region B"
    )


def test_unknown_events_and_missing_objects_still_read(client, login_as, db):
    audit.record(db.session, "brand.new", actor="cli", object_type="user", object_id="999")
    audit.record(db.session, "login.failure", actor="<script>@x", reason="unknown")
    db.session.commit()
    login_as("admin")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert _text(_sentence(html, "brand.new")) == "A command-line task: brand.new #999"
    assert _sentence(html, "login.failure") == "A login as &lt;script&gt;@x failed"


def test_the_csv_download_keeps_the_filters(client, login_as, returned):
    login_as("admin")
    html = client.get("/admin/audit?event=review.returned&ip=10.0.&object_type=response").get_data(
        as_text=True
    )
    link = re.search(r'href="(/admin/audit\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert sorted(link.split("?", 1)[1].split("&")) == [
        "event=review.returned",
        "ip=10.0.",
        "object_type=response",
    ]
