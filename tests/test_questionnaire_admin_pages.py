"""Questionnaire administration in the browser: upload, preview, diff, publish, open and
close, deadline. Admins change; coordinators and the action's leaders read."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from app import authz
from app.definitions.validate import validate_text
from app.models import QuestionnaireVersion, VersionStatus
from tests.review_helpers import audit_events, example_text, make_response, publish_example

BROKEN = """action: 1
code: a01_example
title: Broken
sections:
  - code: s
    title: S
    questions:
      - code: q1
        type: likert
        label: Q
        points: 12
      - code: q1
        type: single_choice
        label: X
"""


def edited_example() -> str:
    text = example_text(1)
    text = text.replace(
        "label: Do you regulate short-term rentals?",
        "label: Do you regulate short-term rentals in your city?",
    )
    text = text.replace(
        "          - {code: taxes, label: Tourist taxes, score: 0.5}\n",
        "          - {code: taxes, label: Tourist taxes, score: 0.5}\n"
        "          - {code: licences, label: Licences, score: 1}\n",
    )
    text = text.replace("      - code: data_source\n", "      - code: data_origin\n")
    return text


def _upload(client, text: str | bytes, filename: str = "a01.yaml"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post_form(
        "/questionnaires/upload",
        {"file": (io.BytesIO(data), filename)},
        page="/questionnaires/upload",
        content_type="multipart/form-data",
    )


def _versions(db) -> int:
    return db.session.scalar(select(func.count(QuestionnaireVersion.id)))


# --- access ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "manage", "upload"),
    [
        ("admin", 200, 200),
        ("coordinator", 200, 403),
        ("leader1", 200, 403),
        ("leader2", 403, 403),
        ("respondent_a", 403, 403),
    ],
)
def test_access(client, login_as, db, users, who, manage, upload):
    publish_example(1)
    login_as(who)
    assert client.get("/questionnaires/1/manage").status_code == manage
    assert client.get("/questionnaires/1/v1/preview").status_code == manage
    assert client.get("/questionnaires/upload").status_code == upload


def test_readers_see_no_admin_forms_and_cannot_post(client, login_as, db, users):
    questionnaire = publish_example(1)
    login_as("coordinator")
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "read-only" in html
    assert 'action="/questionnaires/1/close"' not in html
    assert 'action="/questionnaires/1/publish"' not in html
    for url, data in [
        ("/questionnaires/1/close", {}),
        ("/questionnaires/1/publish", {"confirm": "y"}),
        ("/questionnaires/1/deadline", {"deadline": "2026-12-31"}),
        ("/questionnaires/1/reminders", {}),
    ]:
        assert client.post_form(url, data, page="/").status_code == 403, url
    db.session.refresh(questionnaire)
    assert questionnaire.is_open and questionnaire.deadline is None


def test_csrf_is_required(client, login_as, db, users):
    questionnaire = publish_example(1)
    login_as("admin")
    assert client.post("/questionnaires/1/close").status_code == 400
    response = client.post(
        "/questionnaires/upload",
        data={"file": (io.BytesIO(edited_example().encode()), "a01.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    db.session.refresh(questionnaire)
    assert questionnaire.is_open and _versions(db) == 1


# --- the list -----------------------------------------------------------------------------


def test_index_lists_every_action_with_versions_and_counts(client, login_as, db, orgs, users):
    questionnaire = publish_example(1)
    make_response(questionnaire, orgs["A"])
    make_response(questionnaire, orgs["B"], "draft")
    login_as("admin")
    _upload(client, edited_example())
    html = client.get("/questionnaires/").get_data(as_text=True)
    assert "v1 published" in html and "v2 draft" in html
    assert 'href="/review/?action=1&amp;state=submitted"' in html and "1 submitted" in html
    assert "1 draft" in html
    assert html.count("no questionnaire yet") == 10
    assert 'href="/questionnaires/upload"' in html
    login_as("leader2")
    html = client.get("/questionnaires/").get_data(as_text=True)
    assert "a01_example" not in html and html.count("no questionnaire yet") == 1
    assert 'href="/questionnaires/upload"' not in html


# --- upload -------------------------------------------------------------------------------


def test_broken_upload_shows_the_cli_errors_and_writes_nothing(client, login_as, db, users):
    login_as("admin")
    response = _upload(client, BROKEN, "broken.yaml")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    expected = [str(e) for e in validate_text(BROKEN, "broken.yaml").errors]
    assert len(expected) == 4  # schema and meaning problems, all at once
    for line in expected:
        assert f"<li><code>{line.replace(chr(39), '&#39;')}</code></li>" in html
    assert "The file has 4 errors: nothing was saved" in html
    assert _versions(db) == 0 and audit_events("questionnaire.uploaded") == []


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            b"action: 1",
            "notes.txt",
            "Upload a .yaml or .yml definition file, or an .xlsx XLSForm workbook.",
        ),
        (b"\xff\xfe\x00bad", "a.yaml", "the file is not UTF-8 text"),
        (b"- just\n- a list\n", "a.yaml", "the file must be a mapping"),
        (b"action: [1\n", "a.yaml", "a.yaml:"),
        (b"action: 1", "a.xlsx", "a.xlsx: not an XLSX workbook"),
    ],
)
def test_bad_files_are_refused(client, login_as, db, users, content, filename, message):
    login_as("admin")
    response = _upload(client, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _versions(db) == 0


def test_upload_without_a_file(client, login_as, db, users):
    login_as("admin")
    response = client.post_form("/questionnaires/upload", {}, page="/questionnaires/upload")
    assert response.status_code == 400
    assert "Choose a definition file to upload." in response.get_data(as_text=True)


def test_code_mismatch_is_explained(client, login_as, db, users):
    publish_example(1)
    login_as("admin")
    text = example_text(1).replace("code: a01_example", "code: a01_renamed", 1)
    response = _upload(client, text)
    assert response.status_code == 400
    assert "a questionnaire&#39;s code never changes" in response.get_data(as_text=True)
    assert _versions(db) == 1


def test_upload_diff_preview_publish(client, login_as, db, orgs, users):
    questionnaire = publish_example(1)
    started = make_response(questionnaire, orgs["A"], "draft")
    login_as("admin")
    response = _upload(client, edited_example())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/questionnaires/1/manage#draft")
    [entry] = audit_events("questionnaire.uploaded")
    assert entry.details["status"] == "created" and entry.details["number"] == 2
    assert entry.user_id == users["admin"].id

    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    draft = html[html.index('id="draft"') :]
    assert "Questions added: 1, removed: 1, changed: 2." in draft
    assert 'href="/questionnaires/1/diff"' in draft
    page = client.get("/questionnaires/1/diff").get_data(as_text=True)
    added = page[page.index("diff-added") :]
    removed = page[page.index("diff-removed") :]
    assert 'Question <code class="code">data_origin</code>' in added
    assert 'Question <code class="code">data_source</code>' in removed
    regulation = page[page.index('<code class="code">has_regulation</code>') :]
    assert "<del>Do you regulate short-term rentals?</del>" in regulation
    assert "<ins>Do you regulate short-term rentals in your city?</ins>" in regulation
    measures = page[page.index('<code class="code">measures</code>') :]
    assert "option licences: label" not in measures.split("</section>")[0]
    assert "option licences" in measures.split("</section>")[0]
    assert 'href="/questionnaires/1/v2/preview"' in html

    preview = client.get("/questionnaires/1/v2/preview").get_data(as_text=True)
    assert "Preview of version 2 (draft)" in preview
    assert "Do you regulate short-term rentals in your city?" in preview
    assert 'type="checkbox"' in preview and "Licences" in preview
    assert '<fieldset class="field" disabled>' in preview
    assert 'method="post"' not in preview.split("<main", 1)[1].split("</main>")[0]

    # Publishing needs the confirmation box.
    response = client.post_form("/questionnaires/1/publish", {}, page="/questionnaires/1/publish")
    assert response.status_code == 302
    assert "Not published: tick the box" in client.get("/questionnaires/1/publish").get_data(
        as_text=True
    )
    assert audit_events("questionnaire.published") == []
    response = client.post_form(
        "/questionnaires/1/publish", {"confirm": "y"}, page="/questionnaires/1/publish"
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = {v.number: v.status for v in questionnaire.versions}
    assert statuses == {1: VersionStatus.ARCHIVED, 2: VersionStatus.PUBLISHED}
    [entry] = audit_events("questionnaire.published")
    assert entry.details["action"] == 1 and entry.details["number"] == 2
    # a response being filled in moves to the new version (tests/test_questionnaire_publish.py)
    assert started.version.number == 2
    assert [m["reference"] for m in entry.details["moved"]] == [started.reference]
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "There is no draft." in html
    # Nothing left to publish.
    client.post_form("/questionnaires/1/publish", {"confirm": "y"}, page="/questionnaires/1/manage")
    assert "has no draft to publish" in client.get("/questionnaires/1/manage").get_data(
        as_text=True
    )


def test_uploading_the_same_file_again_changes_nothing(client, login_as, db, users):
    publish_example(1)
    login_as("admin")
    response = _upload(client, example_text(1))
    assert response.status_code == 302
    assert "Nothing changed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _versions(db) == 1 and audit_events("questionnaire.uploaded") == []


def test_first_upload_creates_the_questionnaire(client, login_as, db, users):
    login_as("admin")
    response = _upload(client, example_text(4))
    assert response.status_code == 302
    html = client.get("/questionnaires/4/manage").get_data(as_text=True)
    assert "Nothing is published yet: the whole draft is new." in html
    assert "Publish a version before sending reminders." in html


# --- open, close, deadline ----------------------------------------------------------------


def test_close_and_open(client, login_as, db, orgs, users):
    questionnaire = publish_example(1)
    response = make_response(questionnaire, orgs["A"], "draft")
    assert authz.can_edit_response(users["respondent_a"], response)
    login_as("admin")
    client.post_form("/questionnaires/1/close", {}, page="/questionnaires/1/manage")
    db.session.refresh(questionnaire)
    assert not questionnaire.is_open
    assert not authz.can_edit_response(users["respondent_a"], response)  # read-only now
    assert authz.can_view_response(users["respondent_a"], response)
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "The questionnaire is closed" in html and 'action="/questionnaires/1/open"' in html
    # Closing again changes nothing and is not audited twice.
    client.post_form("/questionnaires/1/close", {}, page="/questionnaires/1/manage")
    client.post_form("/questionnaires/1/open", {}, page="/questionnaires/1/manage")
    db.session.refresh(questionnaire)
    assert questionnaire.is_open and authz.can_edit_response(users["respondent_a"], response)
    assert [e.event for e in audit_events() if e.event.startswith("questionnaire.")] == [
        "questionnaire.closed",
        "questionnaire.opened",
    ]


def test_deadline(client, login_as, db, users):
    questionnaire = publish_example(1)
    login_as("admin")
    client.post_form(
        "/questionnaires/1/deadline", {"deadline": "2026-12-31"}, page="/questionnaires/1/manage"
    )
    db.session.refresh(questionnaire)
    assert questionnaire.deadline == date(2026, 12, 31)
    html = client.get("/questionnaires/1/manage").get_data(as_text=True)
    assert "Deadline set to 31 Dec 2026." in html and 'value="2026-12-31"' in html
    client.post_form(
        "/questionnaires/1/deadline", {"deadline": "31/12/2026"}, page="/questionnaires/1/manage"
    )
    assert "The deadline was not changed" in client.get("/questionnaires/1/manage").get_data(
        as_text=True
    )
    db.session.refresh(questionnaire)
    assert questionnaire.deadline == date(2026, 12, 31)
    client.post_form(
        "/questionnaires/1/deadline", {"deadline": "2001-01-01"}, page="/questionnaires/1/manage"
    )
    assert "That day has passed" in client.get("/questionnaires/1/manage").get_data(as_text=True)
    client.post_form(
        "/questionnaires/1/deadline", {"deadline": ""}, page="/questionnaires/1/manage"
    )
    db.session.refresh(questionnaire)
    assert questionnaire.deadline is None
    entries = audit_events("questionnaire.deadline_set")
    assert [(e.details["before"], e.details["after"]) for e in entries] == [
        (None, "2026-12-31"),
        ("2026-12-31", "2001-01-01"),
        ("2001-01-01", None),
    ]


def test_admin_routes_on_a_missing_questionnaire(client, login_as, users):
    login_as("admin")
    assert client.get("/questionnaires/5/manage").status_code == 404
    assert client.post_form("/questionnaires/5/close", {}, page="/").status_code == 404
    assert client.get("/questionnaires/1/v3/preview").status_code == 404


def test_hostile_file_name(client, login_as, db, users):
    login_as("admin")
    response = _upload(client, example_text(2), "../../x\x00<b>.yaml")
    assert response.status_code == 302
    [entry] = audit_events("questionnaire.uploaded")
    assert "\x00" not in entry.details["filename"] and "/" not in entry.details["filename"]
