"""Personal data: export, erasure (answers stay, the e-mail goes everywhere), retention purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import String, cast, func, select

from app.models import (
    Answer,
    ApiToken,
    AuditEntry,
    OneTimeToken,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseEvent,
    ResponseState,
    ReviewComment,
    User,
    VersionStatus,
    utcnow,
)
from app.services import audit
from app.services.people import gdpr, link_tokens
from app.services.people.accounts import UserError
from app.services.people.gdpr import months_before
from tests.conftest import action, deliver_outbox, login

LONG_AGO = datetime(2019, 3, 1, tzinfo=UTC)


@pytest.fixture
def version(db, users):
    questionnaire = Questionnaire(action_id=action(1).id, code="a01_sharing_economy")
    version = QuestionnaireVersion(
        questionnaire=questionnaire,
        number=1,
        status=VersionStatus.PUBLISHED,
        title="Sharing economy",
        definition={},
        checksum="0" * 64,
    )
    version.questions = [
        Question(
            code="q1",
            position=1,
            section_code="s1",
            section_position=1,
            qtype="long_text",
            spec={},
        )
    ]
    db.session.add(version)
    db.session.commit()
    return version


def make_response(db, version, org, person, *, state, submitted_at, reference, reviewer=None):
    response = Response(
        questionnaire=version.questionnaire,
        version=version,
        organisation=org,
        state=state,
        reference=reference,
        updated_at=submitted_at,
        updated_by_id=person.id,
        submitted_at=submitted_at,
        submitted_by_id=person.id,
    )
    response.answers = [Answer(question=version.questions[0], value=f"Answer of {org.name}")]
    response.events = [
        ResponseEvent(
            from_state="draft", to_state="submitted", user_id=person.id, created_at=submitted_at
        ),
    ]
    if reviewer is not None:
        response.comments = [
            ReviewComment(user_id=reviewer.id, body="Please add sources.", created_at=submitted_at)
        ]
    db.session.add(response)
    db.session.commit()
    return response


def rows_mentioning(db, email: str) -> int:
    """Rows of users and audit entries in which the e-mail address still appears."""
    in_users = db.session.scalar(select(func.count(User.id)).where(User.email == email))
    in_audit = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            (AuditEntry.actor == email)
            | cast(AuditEntry.details, String).contains(email, autoescape=True)
        )
    )
    return in_users + in_audit


# Export


def test_personal_data_contents(db, users, orgs, version):
    person, reviewer = users["respondent_a"], users["leader1"]
    make_response(
        db,
        version,
        orgs["A"],
        person,
        state=ResponseState.SUBMITTED,
        submitted_at=utcnow(),
        reference="R-A",
        reviewer=reviewer,
    )
    audit.record(db.session, "login.success", user=person, ip="192.0.2.1")
    audit.record(db.session, "user.deactivated", actor="cli", obj=person)
    link_tokens.issue(db.session, person, link_tokens.RESET, None, timedelta(hours=1))
    db.session.commit()

    data = gdpr.personal_data(db.session, person)
    json.dumps(data)  # serialisable as it is
    assert data["account"]["email"] == "respondent_a@example.org"
    assert data["account"]["has_password"] is True and "password_hash" not in data["account"]
    assert data["organisation"]["name"] == "City A"
    assert data["responses"][0]["reference"] == "R-A"
    assert data["responses"][0]["submitted_by_you"] is True
    assert data["response_events"][0]["to_state"] == "submitted"
    events = {e["event"]: e for e in data["audit_entries"]}
    assert events["login.success"]["ip"] == "192.0.2.1" and events["login.success"]["by_you"]
    assert events["user.deactivated"]["by_you"] is False  # about them, by someone else
    assert data["link_tokens"][0]["purpose"] == "reset"
    assert "T" in data["account"]["created_at"]  # ISO timestamps
    assert data["review_comments"] == []

    leader = gdpr.personal_data(db.session, reviewer)
    assert leader["review_comments"][0]["body"] == "Please add sources."
    assert leader["led_actions"] == [{"number": 1, "title": action(1).title}]


def test_cli_export(runner, users):
    result = runner.invoke(args=["gdpr", "export", "leader1@example.org"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["account"]["role"] == "leader"
    missing = runner.invoke(args=["gdpr", "export", "nobody@example.org"])
    assert missing.exit_code == 2 and "No account for nobody@example.org" in missing.output


# Erasure


def test_erase_keeps_answers_and_removes_the_email_everywhere(
    app, client, db, users, orgs, version
):
    person, reviewer = users["respondent_a"], users["leader1"]
    email = person.email
    response = make_response(
        db,
        version,
        orgs["A"],
        person,
        state=ResponseState.SUBMITTED,
        submitted_at=utcnow(),
        reference="R-A",
    )
    make_response(
        db,
        version,
        orgs["B"],
        users["respondent_b"],
        state=ResponseState.SUBMITTED,
        submitted_at=utcnow(),
        reference="R-B",
        reviewer=person,
    )
    assert login(client, email).status_code == 302  # an open session, audit login.success
    login(app.test_client(), email, "wrong password!!")  # audit login.failure with the e-mail
    audit.record(db.session, "invitation.sent", user=users["admin"], obj=person, email=email)
    link_tokens.issue(db.session, person, link_tokens.RESET, None, timedelta(hours=1))
    db.session.add(ApiToken(user_id=person.id, name="t", prefix="p", token_hash="h" * 64))
    db.session.commit()
    assert rows_mentioning(db, email) >= 4

    gdpr.erase_user(db.session, person, users["admin"])
    db.session.commit()

    assert rows_mentioning(db, email) == 0
    assert person.email == f"erased-{person.id}@invalid"
    assert person.display_name == "Erased user" and person.password_hash is None
    assert not person.active
    failure = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "login.failure"))
    assert failure.actor == f"erased user #{person.id}" and failure.ip == ""
    sent = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "invitation.sent"))
    assert sent.actor == "admin@example.org"  # the inviter is not erased
    assert sent.details["email"] == f"erased user #{person.id}"
    erased = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "user.erased"))
    assert erased.user_id == users["admin"].id and erased.object_id == str(person.id)
    assert db.session.scalar(select(func.count(OneTimeToken.id))) == 0
    assert db.session.scalar(select(ApiToken)).revoked_at is not None
    # The answers stay; comments and events keep their text, authored by "Erased user".
    db.session.refresh(response)
    assert response.answers[0].value == "Answer of City A"
    assert response.submitted_by.display_name == "Erased user"
    assert response.events[0].user.display_name == "Erased user"
    comment = db.session.scalar(select(ReviewComment))
    assert comment.body == "Please add sources." and comment.user.display_name == "Erased user"
    assert reviewer.email == "leader1@example.org"  # nobody else is touched
    assert client.get("/").status_code == 302  # their session has ended
    assert "Incorrect" in login(client, email).get_data(as_text=True)


def test_erase_refusals(db, users):
    with pytest.raises(UserError, match="your own account"):
        gdpr.erase_user(db.session, users["admin"], users["admin"])
    with pytest.raises(UserError, match="only active administrator"):
        gdpr.erase_user(db.session, users["admin"], None)
    gdpr.erase_user(db.session, users["leader2"], users["admin"])
    with pytest.raises(UserError, match="erased already"):
        gdpr.erase_user(db.session, users["leader2"], users["admin"])


def test_admin_erases_through_the_confirmation_page(client, login_as, users, db):
    login_as("admin")
    target = users["colleague_a"]
    url = f"/admin/users/{target.id}/erase"
    page = client.get(url).get_data(as_text=True)
    assert "This cannot be undone" in page and "colleague_a@example.org" in page
    assert "What stays" in page
    wrong = client.post_form(url, {"confirm_email": "someone@example.org"})
    assert "That is not the account" in wrong.get_data(as_text=True)
    assert target.email == "colleague_a@example.org"
    done = client.post_form(url, {"confirm_email": "Colleague_A@example.org"})
    assert done.status_code == 302
    assert target.display_name == "Erased user"
    assert "erased" in client.get(done.headers["Location"]).get_data(as_text=True)


def test_cli_erase(runner, users):
    result = runner.invoke(args=["gdpr", "erase", "leader2@example.org"], input="n\n")
    assert result.exit_code != 0 and users["leader2"].email == "leader2@example.org"
    result = runner.invoke(args=["gdpr", "erase", "leader2@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased the personal data of leader2@example.org" in result.output
    assert users["leader2"].email.startswith("erased-")


@pytest.mark.parametrize("who", ["coordinator", "leader1", "respondent_a"])
def test_erasure_and_resets_are_for_admins(client, login_as, users, who):
    login_as(who)
    target = users["colleague_a"].id
    assert client.get(f"/admin/users/{target}/erase").status_code == 403
    assert client.get(f"/admin/users/{target}/account").status_code == 403
    assert client.post_form(f"/admin/users/{target}/send-reset", page="/").status_code == 403


def test_admin_reset_link_with_mail_off_is_shown(client, login_as, users):
    login_as("admin")
    target = users["respondent_b"].id
    html = client.post_form(
        f"/admin/users/{target}/send-reset", page=f"/admin/users/{target}/account"
    ).get_data(as_text=True)
    assert (
        "E-mail is not configured: copy this link and send it to respondent_b@example.org" in html
    )
    assert ">http://localhost/password/reset/" in html


def test_admin_reset_for_a_pending_invitation_says_what_to_do(client, login_as, users, db):
    login_as("admin")
    pending = users["colleague_a"]
    pending.password_hash, pending.active = None, False
    db.session.commit()
    response = client.post_form(
        f"/admin/users/{pending.id}/send-reset", page=f"/admin/users/{users['admin'].id}/account"
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has not accepted their invitation yet: send a new invitation instead" in html


# Forgotten password never reveals whether an account exists


def test_forgot_password_answers_the_same_for_known_and_unknown(app, client, users, db):
    answers = []
    for email in ("respondent_a@example.org", "nobody@example.org"):
        response = client.post_form("/password/forgot", {"email": email})
        page = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], page.get_data()))
    assert answers[0] == answers[1]
    assert b"If an account exists for that address, we have sent it a link" in answers[0][2]
    deliver_outbox(app)  # the worker looks the address up and makes the link
    requested = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "password_reset.requested")
    ).all()
    assert [e.object_id for e in requested] == [str(users["respondent_a"].id)]
    assert db.session.scalar(select(func.count(OneTimeToken.id))) == 1


# Retention purge


@pytest.fixture
def old_and_new(db, users, orgs, version):
    """An old accepted response by respondent_a (inactive since) and a recent one by B."""
    old = make_response(
        db,
        version,
        orgs["A"],
        users["respondent_a"],
        state=ResponseState.ACCEPTED,
        submitted_at=LONG_AGO,
        reference="R-OLD",
        reviewer=users["leader1"],
    )
    new = make_response(
        db,
        version,
        orgs["B"],
        users["respondent_b"],
        state=ResponseState.SUBMITTED,
        submitted_at=utcnow() - timedelta(days=3),
        reference="R-NEW",
    )
    users["respondent_a"].created_at = LONG_AGO
    users["respondent_a"].last_login_at = LONG_AGO
    users["leader1"].last_login_at = utcnow()  # still active
    db.session.commit()
    return old, new


def snapshot(db):
    return (
        db.session.execute(
            select(Response.reference, Response.updated_by_id, Response.submitted_by_id).order_by(
                Response.id
            )
        ).all(),
        db.session.execute(select(ResponseEvent.id, ResponseEvent.user_id)).all(),
        db.session.execute(select(ReviewComment.id, ReviewComment.user_id)).all(),
        db.session.execute(select(User.id, User.email, User.active).order_by(User.id)).all(),
        db.session.scalar(select(func.count(AuditEntry.id))),
    )


def test_purge_dry_run_changes_nothing_and_reports(runner, db, users, old_and_new):
    before = snapshot(db)
    result = runner.invoke(args=["gdpr", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 would be pseudonymised (4 links to people removed): R-OLD" in result.output
    assert "1 accounts with no activity since would be erased" in result.output
    assert "respondent_a@example.org" in result.output
    assert "leader1@example.org" not in result.output
    assert "Dry run: nothing was changed." in result.output
    db.session.expire_all()
    assert snapshot(db) == before


def test_purge(runner, db, users, old_and_new):
    old, new = old_and_new
    person_id = users["respondent_a"].id
    result = runner.invoke(args=["gdpr", "purge", "--months", "24"])
    assert result.exit_code == 0, result.output
    assert "1 were pseudonymised" in result.output
    db.session.expire_all()
    assert (old.updated_by_id, old.submitted_by_id) == (None, None)
    assert old.events[0].user_id is None and old.comments[0].user_id is None
    assert old.answers[0].value == "Answer of City A"  # the answers stay
    assert new.submitted_by_id == users["respondent_b"].id  # recent: untouched
    assert db.session.get(User, person_id).email == f"erased-{person_id}@invalid"
    assert users["leader1"].email == "leader1@example.org"  # active since: kept
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.event == "gdpr.purged"))
    again = runner.invoke(args=["gdpr", "purge", "--months", "24"])
    assert "0 were pseudonymised" in again.output  # nothing left to do


def test_purge_rejects_bad_months(runner, users):
    result = runner.invoke(args=["gdpr", "purge", "--months", "0"])
    assert result.exit_code == 2 and "Error:" in result.output


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 60, datetime(2021, 1, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 12, datetime(2023, 2, 28, tzinfo=UTC)),
        (datetime(2026, 1, 10, tzinfo=UTC), 13, datetime(2024, 12, 10, tzinfo=UTC)),
    ],
)
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected
