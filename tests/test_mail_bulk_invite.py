"""Inviting respondents from CSV: every row checked and shown before anything happens;
then everyone invited (their invitations in the outbox, each in its language) or nobody."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from app.models import AuditEntry, MailKind, OutboxMail, User

GOOD = (
    "Email;Name;Organisation;Actions;Language\n"
    "anna@example.org;Anna Muster;City A;1;Deutsch\n"
    "luca@example.org;Luca Rossi;region b;;it\n"
    "respondent_a@example.org;Respondent A;City A;2;\n"
)


def upload(client, text: str, name: str = "people.csv"):
    return client.post_form(
        "/admin/users/import",
        {"file": (io.BytesIO(text.encode("utf-8")), name)},
        page="/admin/users/import",
        content_type="multipart/form-data",
    )


def outbox(db) -> list[OutboxMail]:
    db.session.commit()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_preview_then_invite_everyone_in_their_language(client, login_as, db, users, orgs):
    login_as("admin")
    html = upload(client, GOOD).get_data(as_text=True)
    assert "People to invite" in html and "Invite 3 people" in html
    assert "has an account: the actions are added" in html  # respondent_a
    assert (
        outbox(db) == []
        and db.session.scalar(select(User).where(User.email == "anna@example.org")) is None
    )  # the preview writes nothing
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post_form(
        "/admin/users/import/commit", {"payload": payload}, page="/admin/users/import"
    )
    assert done.status_code == 302
    mails = {m.to_address: m for m in outbox(db)}
    assert mails["anna@example.org"].kind == MailKind.INVITATION
    assert mails["anna@example.org"].subject == "Ihre Einladung zu Tympanum"
    assert mails["luca@example.org"].subject == "Il suo invito a Tympanum"
    assert mails["respondent_a@example.org"].kind == MailKind.ACTIONS_ADDED
    anna = db.session.scalar(select(User).where(User.email == "anna@example.org"))
    assert anna.locale == "de" and anna.organisation == orgs["A"] and not anna.active
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "invitations.imported")
    ).all()
    assert entry.details["count"] == 3


def test_one_wrong_row_and_nobody_is_invited(client, login_as, db, users, orgs):
    login_as("admin")
    bad = GOOD + (
        "not-an-address;X;City A;;\n"
        "anna@example.org;Anna again;City A;;\n"
        "z@example.org;Z;Nowhere Town;12;klingon\n"
        "leader1@example.org;Leader;City A;;\n"
    )
    html = upload(client, bad).get_data(as_text=True)
    assert "Nobody is invited until every row is correct" in html
    assert "“not-an-address” is not an e-mail address" in html
    assert "The address also appears on row 2" in html
    assert "There is no active organisation named “Nowhere Town”" in html
    assert "The action “12” is unknown" in html
    assert "The language “klingon” is unknown" in html
    assert "exists already with another role or organisation" in html
    assert 'name="payload"' not in html
    assert "People to invite" in html and "luca@example.org" in html  # the good rows too
    assert outbox(db) == []


def test_a_file_without_the_columns_is_refused(client, login_as, db, users):
    login_as("admin")
    html = upload(client, "who,where\nx@example.org,City A\n").get_data(as_text=True)
    assert "missing: email, name, organisation" in html
    assert "The column “who” is not used" in html


def test_a_changed_payload_is_refused(client, login_as, db, users):
    login_as("admin")
    refused = client.post_form(
        "/admin/users/import/commit", {"payload": "forged"}, page="/admin/users/import"
    )
    assert refused.status_code == 302 and outbox(db) == []


def test_only_admins_see_the_link(client, login_as, users):
    login_as("admin")
    assert "/admin/users/import" in client.get("/admin/users/invite").get_data(as_text=True)
    login_as("leader1")
    assert "/admin/users/import" not in client.get("/admin/users/invite").get_data(as_text=True)
