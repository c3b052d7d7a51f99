"""The mails people expect, each in its recipient's language: review decisions to the
respondents, submissions to the action's leaders (at once, in a daily digest, or not)
and to the submitter's colleagues; the invitation's language becomes the account's."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.models import DigestItem, MailKind, OutboxMail, User, utcnow
from app.services.mailing import schedule
from tests.conftest import deliver_outbox
from tests.respond_support import fill_all
from tests.review_helpers import make_response


def written(db, kind: MailKind) -> list[OutboxMail]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
        )
    )


def _decide(client, response_id, decision, **fields):
    page = client.get(f"/review/{response_id}").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    data = {"decision": decision, "lock_version": lock, **fields}
    return client.post_form(f"/review/{response_id}", data)


def test_a_german_respondent_receives_german_mail(
    app, db, client, login_as, users, orgs, questionnaire, mail_server
):
    users["respondent_a"].locale = "de"
    db.session.commit()
    response = make_response(questionnaire, orgs["A"], "submitted")
    login_as("admin")
    assert _decide(client, response.id, "return", comment="Bitte ergänzen").status_code == 302
    assert mail_server.messages == []  # the request sent nothing: the worker does
    deliver_outbox(app)
    by_address = {m["To"]: m for m in mail_server.wait_for(2)}
    german = by_address["respondent_a@example.org"]
    assert german["Subject"] == (
        "Tympanum: Ihre Antwort zu Aktion 1 wurde zur Überarbeitung zurückgegeben"
    )
    body = german.get_content()
    assert "Guten Tag Respondent A," in body
    assert "Die Prüfenden bitten Sie, Ihre Antwort zu überarbeiten" in body
    assert "Kommentar der Prüfung:\nBitte ergänzen" in body.replace("\r\n", "\n")
    assert f"Referenz: {response.reference}" in body
    english = by_address["colleague_a@example.org"]  # no language chosen: English
    assert english["Subject"] == "Tympanum: your response to action 1 was returned for revision"


def test_submitting_tells_the_leaders_and_the_colleagues(
    db, client, login_as, users, orgs, questionnaire
):
    users["leader1"].locale = "fr"
    db.session.commit()
    login_as("respondent_a")
    fill_all(client)
    page = client.get("/respond/1/review").get_data(as_text=True)
    lock = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page).group(1)
    client.post_form("/respond/1/submit", {"lock_version": lock}, page="/respond/1/review")
    [leader] = written(db, MailKind.SUBMISSION)
    assert leader.to_address == "leader1@example.org"  # leader2 leads action 2 only
    assert leader.subject == "Tympanum : City A a soumis sa réponse à l'action 1"
    assert "/review/" in leader.body
    # The organisation's respondents, the submitter too: a confirmation with their copy.
    mails = {m.to_address: m for m in written(db, MailKind.COLLEAGUE)}
    assert sorted(mails) == ["colleague_a@example.org", "respondent_a@example.org"]
    colleague = mails["colleague_a@example.org"]
    assert "Respondent A has submitted the response of City A to action 1." in colleague.body
    assert "/respond/1/copy.pdf" in colleague.body


def test_a_leader_may_choose_a_daily_digest_or_nothing(
    app, db, client, login_as, users, orgs, questionnaire
):
    login_as("leader1")
    html = client.get("/account").get_data(as_text=True)
    assert "E-mail about submissions" in html
    client.post_form("/account/notifications", {"notify_submissions": "digest"}, page="/account")
    db.session.expire_all()
    assert db.session.get(User, users["leader1"].id).notify_submissions == "digest"

    from app.services.mailing import messages

    response = make_response(questionnaire, orgs["B"], "submitted")
    messages.submitted(db.session, response, users["respondent_b"], resubmitted=False)
    db.session.commit()
    assert written(db, MailKind.SUBMISSION) == []
    assert len(db.session.scalars(select(DigestItem)).all()) == 1
    today = schedule.run(db.session, "w", now=utcnow())  # gathered today: not yet
    assert today.digests == 0
    tomorrow = utcnow() + timedelta(days=1)
    assert schedule.run(db.session, "w", now=tomorrow).digests == 1
    assert schedule.run(db.session, "w", now=tomorrow).digests == 0  # sent once
    [digest] = written(db, MailKind.DIGEST)
    assert digest.subject == "Tympanum: 1 new submission to review"
    assert f"Action 1, Region B, {response.reference}" in digest.body

    client.post_form("/account/notifications", {"notify_submissions": "off"}, page="/account")
    messages.submitted(db.session, response, None, resubmitted=True)
    db.session.commit()
    assert (
        written(db, MailKind.SUBMISSION) == []
        and db.session.scalars(select(DigestItem)).all() == []
    )


def test_only_leaders_have_the_setting(client, login_as, users):
    login_as("respondent_a")
    assert "E-mail about submissions" not in client.get("/account").get_data(as_text=True)
    refused = client.post_form(
        "/account/notifications", {"notify_submissions": "off"}, page="/account"
    )
    assert refused.status_code == 403


def test_the_invitation_language_becomes_the_account_language(db, client, login_as, users, orgs):
    login_as("admin")
    client.post_form(
        "/admin/users/invite",
        {
            "email": "italiana@example.org",
            "display_name": "Giulia",
            "role": "respondent",
            "organisation": str(orgs["B"].id),
            "actions": ["1"],
            "language": "it",
        },
    )
    [mail] = written(db, MailKind.INVITATION)
    assert mail.subject == "Il suo invito a Tympanum"
    assert "Buongiorno Giulia," in mail.body
    user = db.session.scalar(select(User).where(User.email == "italiana@example.org"))
    assert user.locale == "it"


def test_erasing_a_person_deletes_their_mail(db, users):
    from app.services.mailing import messages
    from app.services.people import gdpr

    messages.send(
        db.session, users["respondent_b"], MailKind.REMINDER, "password_reset", link="x", hours=1
    )
    db.session.add(DigestItem(user_id=users["respondent_b"].id, line="x"))
    db.session.commit()
    gdpr.erase_user(db.session, users["respondent_b"], users["admin"])
    db.session.commit()
    assert db.session.scalars(select(OutboxMail)).all() == []
    assert db.session.scalars(select(DigestItem)).all() == []


def test_the_personal_data_download_lists_the_mail_to_a_person(db, users):
    from app.services.mailing import messages
    from app.services.people import gdpr

    messages.password_reset(db.session, users["respondent_b"], "raw-token")
    db.session.commit()
    data = gdpr.personal_data(db.session, users["respondent_b"])
    assert [(m["kind"], m["status"]) for m in data["mail"]] == [("password_reset", "pending")]
    assert data["mail"][0]["subject"] == "Reset your Tympanum password"
