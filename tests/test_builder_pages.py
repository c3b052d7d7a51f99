"""The builder's pages: start a draft, edit it with plain forms, problems beside their
fields, the conflict page, coverage, preview, and who may do what (issue 15)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from app.services.questionnaires import versions as qservice
from tests.review_helpers import publish_example

BASE = "/questionnaires/1/builder"


@pytest.fixture
def published(app):
    publish_example(1)
    publish_example(2)


def _draft():
    return qservice.draft_version(db.session, qservice.questionnaire_for_action(db.session, 1))


def _revision(html: str) -> str:
    return re.search(r'name="revision" value="(-?\d+)"', html).group(1)


def _post(client, url, page, data):
    html = client.get(page).get_data(as_text=True)
    data = {"revision": _revision(html), **data}
    return client.post_form(url, data, page=page)


def test_admin_builds_edits_and_previews(login_as, published):
    client = login_as("admin")
    page = client.get(BASE)
    assert page.status_code == 200 and "Start the draft" in page.get_data(as_text=True)
    assert client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE).status_code == 302
    html = client.get(BASE).get_data(as_text=True)
    assert "Draft version 2 of action 1" in html and "Coverage of the five themes" in html
    assert "Translation status" in html

    # add a section, then a question in it: the code is proposed from the label
    assert _post(client, f"{BASE}/sections", BASE, {"title": "Money"}).status_code == 302
    response = _post(
        client,
        f"{BASE}/sections/money/questions",
        BASE,
        {"qtype": "single_choice", "label": "Do you have a budget?"},
    )
    assert response.headers["Location"].endswith("/builder/questions/do_you_have_a_budget")
    question_page = f"{BASE}/questions/do_you_have_a_budget"
    html = client.get(question_page).get_data(as_text=True)
    assert 'name="options[0].label.de"' in html and "missing" in html

    # fill in the question: German label, scores, weights, a condition from choices
    data = {
        "code": "budget",
        "type": "single_choice",
        "label.en": "Do you have a budget?",
        "label.de": "Haben Sie ein Budget?",
        "required": "1",
        "options.count": "3",
        "options[0].code": "yes_one",
        "options[0].label.en": "Yes",
        "options[0].score": "1",
        "options[1].code": "none",
        "options[1].label.en": "No",
        "options[1].score": "0",
        "options[2].label.en": "Partly",
        "options[2].score": "0.5",
        "themes.resilience": "2",
        "show_if.count": "1",
        "show_if.combine": "all",
        "show_if[0].question": "has_regulation",
        "show_if[0].op": "equals",
        "show_if[0].value": "has_regulation=yes",
    }
    response = _post(client, question_page, question_page, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    q = next(
        q for s in _draft().definition["sections"] for q in s["questions"] if q["code"] == "budget"
    )
    assert q["label"] == {"en": "Do you have a budget?", "de": "Haben Sie ein Budget?"}
    assert [o["code"] for o in q["options"]] == ["yes_one", "none", "partly"]
    assert q["show_if"] == {"question": "has_regulation", "equals": "yes"}
    assert q["themes"] == {"resilience": 2.0} and _draft().problems == 0

    # a bad score: saved with a problem, shown beside its field and in the summary
    page = f"{BASE}/questions/budget"
    response = _post(client, page, page, {**data, "options[0].score": "7"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "problem to fix before publishing" in html and 'id="f-options-0-error"' in html
    assert _draft().problems == 1
    assert "Not published" in client.post_form(
        "/questionnaires/1/publish",
        {"confirm": "y"},
        page="/questionnaires/1/manage",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert _post(client, page, page, data).status_code == 302 and _draft().problems == 0

    # reorder, duplicate, move, remove
    for op in ("up", "duplicate", "down"):
        assert _post(client, f"{BASE}/questions/budget/{op}", BASE, {}).status_code == 302
    assert (
        _post(
            client, f"{BASE}/questions/budget_copy/move", BASE, {"to": "organisation"}
        ).status_code
        == 302
    )
    assert _draft().definition["sections"][0]["questions"][-1]["code"] == "budget_copy"
    assert _post(client, f"{BASE}/questions/budget_copy/remove", BASE, {}).status_code == 302
    assert _post(client, f"{BASE}/sections/money/up", BASE, {}).status_code == 302

    for lang, word in (("en", "Do you have a budget?"), ("de", "Haben Sie ein Budget?")):
        html = client.get(f"{BASE}/preview?lang={lang}").get_data(as_text=True)
        assert word in html and "data-show-if" in html

    entries = list(db.session.scalars(select(AuditEntry)))
    assert [e.event for e in entries].count("questionnaire.draft_edited") >= 9
    edited = next(
        e for e in entries if e.details.get("change") == "question do_you_have_a_budget edited"
    )
    assert edited.actor == "admin@example.org" and edited.object_id == str(_draft().id)
    assert {"code", "label", "options", "show_if", "themes", "required"} <= set(
        edited.details["fields"]
    )


def test_published_code_is_fixed(login_as, published):
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    page = f"{BASE}/questions/has_regulation"
    html = client.get(page).get_data(as_text=True)
    assert "This code is fixed" in html and 'name="code"' not in html


def test_a_stale_write_gets_the_conflict_page(login_as, published):
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    stale = _revision(client.get(f"{BASE}/settings").get_data(as_text=True))
    _post(client, f"{BASE}/settings", f"{BASE}/settings", {"title.en": "First editor's title"})
    response = client.post_form(
        f"{BASE}/settings", {"revision": stale, "title.en": "Second editor's title"}, page=BASE
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "someone else saved this draft" in html
    assert "First editor&#39;s title" in html and "Second editor&#39;s title" in html
    assert _draft().title == "First editor's title"
    # the conflict page can apply the second editor's change knowingly, on the new revision
    again = re.search(r'name="revision" value="(\d+)"', html).group(1)
    assert int(again) == _draft().revision and 'value="Second editor&#39;s title"' in html
    client.post_form(
        f"{BASE}/settings", {"revision": again, "title.en": "Second editor's title"}, page=BASE
    )
    assert _draft().title == "Second editor's title"


def test_start_by_copying_sections(login_as, published):
    client = login_as("leader1")
    response = client.post_form(
        f"{BASE}/start", {"source": "copy", "sections": ["2:organisation"]}, page=BASE
    )
    assert response.status_code == 302
    assert [s["code"] for s in _draft().definition["sections"]] == ["organisation"]


@pytest.mark.parametrize(
    ("who", "start", "edit"),
    [
        ("leader1", 302, 200),
        ("leader2", 403, 403),
        ("coordinator", 403, 403),
        ("respondent_a", 403, 403),
    ],
)
def test_who_may_build(login_as, published, who, start, edit):
    admin = login_as("admin")
    admin.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    db.session.commit()
    client = login_as(who)
    assert client.get(f"{BASE}/settings").status_code == edit
    overview = client.get(BASE).status_code
    assert overview == (403 if who in ("leader2", "respondent_a") else 200)


def test_a_write_without_the_pages_revision_is_stale(login_as, published):
    """No revision posted is never taken as the current one."""
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    response = client.post_form(f"{BASE}/settings", {"title.en": "Sneaky"}, page=BASE)
    assert response.status_code == 409 and _draft().title != "Sneaky"


def test_pages_still_show_a_draft_with_problems(login_as, published):
    """A draft kept with problems (text where a number belongs, an empty label, a
    dangling condition) does not break the questionnaire pages that read drafts."""
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    page = f"{BASE}/questions/measures"
    html = client.get(page).get_data(as_text=True)
    data = {
        "type": "multiple_choice",
        "label.en": "",
        "options.count": "2",
        "options[0].code": "registration",
        "options[0].label.en": "Registration",
        "options[0].score": "lots",
        "options[1].code": "caps",
        "options[1].label.en": "Caps",
        "themes.resilience": "heavy",
        "show_if.count": "1",
        "show_if[0].question": "has_regulation",
        "show_if[0].op": "equals",
        "revision": _revision(html),
    }
    assert client.post_form(page, data, page=page).status_code == 302
    assert _draft().problems >= 3
    for url in (
        BASE,
        page,
        f"{BASE}/preview?lang=fr",
        "/questionnaires/1/manage",
        "/questionnaires/",
    ):
        assert client.get(url).status_code == 200, url
    for url in ("/questionnaires/1/v2", "/questionnaires/1/v2/preview"):  # to the builder
        assert client.get(url).headers["Location"] == BASE


def test_copy_sections_into_a_draft(login_as, published):
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "empty"}, page=BASE)
    response = _post(client, f"{BASE}/copy", BASE, {"sections": ["2:organisation", "2:practice"]})
    assert response.status_code == 302
    assert [s["code"] for s in _draft().definition["sections"]] == ["organisation", "practice"]
    assert _draft().problems == 0


def test_options_reorder_by_position(login_as, published):
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    page = f"{BASE}/questions/measures"
    before = next(
        q
        for s in _draft().definition["sections"]
        for q in s["questions"]
        if q["code"] == "measures"
    )
    data = {
        "type": "multiple_choice",
        "label.en": "Measures",
        "themes.integrated_approaches": "1",
        "options.count": str(len(before["options"])),
    }
    for index, option in enumerate(before["options"]):
        data[f"options[{index}].code"] = option["code"]
        data[f"options[{index}].label.en"] = option["label"]["en"]
        data[f"options[{index}].score"] = str(option.get("score", ""))
        data[f"options[{index}].position"] = str(len(before["options"]) - index)  # reversed
    assert _post(client, page, page, data).status_code == 302
    after = next(
        q
        for s in _draft().definition["sections"]
        for q in s["questions"]
        if q["code"] == "measures"
    )
    assert [o["code"] for o in after["options"]] == [o["code"] for o in reversed(before["options"])]


def _codes():
    sections = _draft().definition["sections"]
    return [s["code"] for s in sections], [[q["code"] for q in s["questions"]] for s in sections]


def test_script_writes_answer_with_the_draft_part(login_as, published):
    """What builder.js sends: the same POSTs with ?fragment=1 and, when dragged, the place
    dropped at; answered with the overview's draft part, never the whole page."""
    client = login_as("admin")
    client.post_form(f"{BASE}/start", {"source": "published"}, page=BASE)
    part = client.get(f"{BASE}?fragment=1")
    html = part.get_data(as_text=True)
    assert part.status_code == 200
    assert '<div id="builder-draft" data-revision="' in html and "<html" not in html
    assert 'data-move-url="/questionnaires/1/builder/questions/has_regulation/move"' in html
    sections, questions = _codes()

    # a section dragged to the top
    last = sections[-1]
    response = _post(client, f"{BASE}/sections/{last}/move?fragment=1", BASE, {"position": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/builder?fragment=1"
    )
    assert _codes()[0] == [last] + sections[:-1]

    # a question dragged into another section, at its second place
    moved = questions[0][0]
    _post(
        client,
        f"{BASE}/questions/{moved}/move?fragment=1",
        BASE,
        {"to": last, "position": "1"},
    )
    after = _codes()[1]
    assert after[0][1] == moved and moved not in after[1]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert f"question {moved}: move to section {last}, place 2" in str(entry.details)

    # a question added inline: the flash comes with the part
    response = _post(
        client,
        f"{BASE}/sections/{last}/questions?fragment=1",
        BASE,
        {"qtype": "yes_no", "label": "Added inline?"},
    )
    assert response.headers["Location"].endswith("/builder?fragment=1")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="q-added_inline"' in html and "Saved" in html.split('class="flashes"')[1][:200]

    # a stale one is the conflict (the script then posts it plainly to show that page)
    response = client.post_form(
        f"{BASE}/sections/{last}/move?fragment=1", {"revision": "1", "position": "2"}, page=BASE
    )
    assert response.status_code == 409 and _codes()[0][0] == last
