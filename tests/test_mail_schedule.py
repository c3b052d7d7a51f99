"""Scheduled reminders: a schedule per questionnaire (days before the deadline, days after
a return), set on the management page and by CLI; the worker's job sends each step once
per organisation however often it runs, and audits what it sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import DigestItem, MailKind, OutboxMail, ReminderSent, Role, utcnow
from app.services.mailing import schedule
from app.services.people import accounts as user_service
from app.services.responding import deadlines
from tests.conftest import PASSWORD, make_org
from tests.review_helpers import audit_events, make_response, publish_example


@pytest.fixture
def setup(db, orgs, users):
    """Action 1: City A (a draft, two respondents), Region B (submitted), Quiet Town
    (nothing yet, one respondent)."""
    questionnaire = publish_example(1)
    quiet = make_org("Quiet Town", actions=(1,))
    user_service.create_user(
        db.session,
        "quiet@example.org",
        role=Role.RESPONDENT,
        display_name="Quiet",
        password=PASSWORD,
        organisation=quiet,
    )
    db.session.commit()
    make_response(questionnaire, orgs["A"], "draft")
    make_response(questionnaire, orgs["B"])
    return questionnaire


def reminders_written(db) -> list[str]:
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMail.to_address)
            .where(OutboxMail.kind == MailKind.REMINDER)
            .order_by(OutboxMail.id)
        )
    )


def run_job(db, now):
    report = schedule.run(db.session, "test-worker", now=now)
    db.session.commit()
    return report


def test_each_step_is_sent_once_however_often_the_job_runs(db, setup):
    now = utcnow()
    setup.deadline = (now + timedelta(days=5)).date()
    schedule.set_schedule(db.session, setup, [14, 7, 2], None, actor="test")
    db.session.commit()

    first = run_job(db, now)
    assert sorted(org for _, _, org in first.reminded) == ["City A", "Quiet Town"]
    assert {step for _, step, _ in first.reminded} == {"before:7"}  # 14 and 7 due: one mail
    people = ["colleague_a@example.org", "respondent_a@example.org", "quiet@example.org"]
    assert reminders_written(db) == people
    assert run_job(db, now).reminded == []  # the job runs again: nothing new
    assert run_job(db, now + timedelta(hours=5)).reminded == []
    assert reminders_written(db) == people

    two_days_left = now + timedelta(days=3)
    assert len(run_job(db, two_days_left).reminded) == 2  # the "2 days before" step
    assert run_job(db, two_days_left).reminded == []
    assert reminders_written(db) == people * 2
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 6  # 3 steps x 2 orgs

    entries = audit_events("reminders.sent")
    assert [(e.actor, e.details["step"]) for e in entries] == [
        ("scheduler", "before:7"),
        ("scheduler", "before:2"),
    ]
    assert [r["organisation"] for r in entries[0].details["reminded"]] == [
        "City A",
        "Quiet Town",
    ]
    assert run_job(db, now + timedelta(days=6)).reminded == []  # the deadline has passed


def test_a_returned_response_is_reminded_once_after_n_days(db, setup, users):
    town = make_org("Returned Town", actions=(1,))
    user_service.create_user(
        db.session,
        "returned@example.org",
        role=Role.RESPONDENT,
        display_name="R",
        password=PASSWORD,
        organisation=town,
    )
    db.session.commit()
    make_response(setup, town, "returned", reviewer=users["admin"])
    schedule.set_schedule(db.session, setup, [], 3, actor="test")  # no deadline needed
    db.session.commit()
    now = utcnow()
    assert run_job(db, now + timedelta(days=2)).reminded == []  # not yet
    assert run_job(db, now + timedelta(days=4)).reminded == [(1, "returned:3", "Returned Town")]
    assert run_job(db, now + timedelta(days=9)).reminded == []
    assert reminders_written(db) == ["returned@example.org"]


def test_a_step_recorded_by_another_server_is_not_sent_again(db, setup, orgs):
    assert schedule._mark(db.session, setup.id, orgs["A"].id, "before:7")
    assert not schedule._mark(db.session, setup.id, orgs["A"].id, "before:7")
    assert schedule._mark(db.session, setup.id, orgs["B"].id, "before:7")


def test_nothing_is_sent_for_a_closed_questionnaire(db, setup):
    setup.deadline = (utcnow() + timedelta(days=1)).date()
    setup.is_open = False
    schedule.set_schedule(db.session, setup, [7], None, actor="test")
    db.session.commit()
    assert run_job(db, utcnow()).reminded == []


def test_the_worker_command_runs_the_job_twice_without_sending_twice(app, db, setup):
    setup.deadline = (utcnow() + timedelta(days=1)).date()
    db.session.commit()
    runner = app.test_cli_runner()
    set_it = runner.invoke(args=["questionnaires", "reminders", "1", "--days-before", "7, 2"])
    assert set_it.exit_code == 0, set_it.output
    assert "Action 1: reminders 7, 2 days before the deadline." in set_it.output
    [entry] = audit_events("reminders.scheduled")
    assert entry.actor == "cli" and entry.details["days_before"] == "7,2"
    first = runner.invoke(args=["worker", "--once"])
    assert "Reminders: 2 organisations" in first.output, first.output
    assert "3 logged" in first.output  # no MAIL_SERVER in tests: written to the log
    second = runner.invoke(args=["worker", "--once"])
    assert "Reminders: 0 organisations" in second.output and "0 logged" in second.output
    assert len(reminders_written(db)) == 3
    bad = runner.invoke(args=["questionnaires", "reminders", "1", "--days-before", "soon"])
    assert bad.exit_code == 2 and "'soon' is not a number of days" in bad.output
    off = runner.invoke(args=["questionnaires", "reminders", "1", "--off"])
    assert "no reminder schedule" in off.output


def test_the_schedule_is_set_on_the_management_page(client, login_as, db, setup):
    login_as("admin")
    page = "/questionnaires/1/manage"
    html = client.get(page).get_data(as_text=True)
    assert "No scheduled reminders" in html
    done = client.post_form(
        "/questionnaires/1/reminder-schedule",
        {"days_before": "2, 14,7", "returned_after": "5"},
        page=page,
    )
    assert done.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "14, 7, 2 days before the deadline, and 5 days after" in html
    assert "Set a deadline" in html
    client.post_form("/questionnaires/1/reminder-schedule", {"days_before": "next week"}, page=page)
    html = client.get(page).get_data(as_text=True)
    assert "The schedule was not changed" in html
    db.session.commit()
    current = schedule.schedule_of(db.session, setup)
    assert current.steps == [14, 7, 2] and current.returned_after_days == 5


# Fixed clocks: the deadline is the end of 2027-01-10 in the questionnaire's time zone
# (Brussels, UTC+1 in winter).
DEADLINE = date(2027, 1, 10)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def reminder_bodies(db) -> dict[str, str]:
    db.session.commit()
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == MailKind.REMINDER))
    return {m.to_address: m.body for m in mails}


def test_days_are_counted_in_the_questionnaires_time_zone(db, setup):
    setup.deadline = DEADLINE
    schedule.set_schedule(db.session, setup, [2], None, actor="test")
    db.session.commit()
    # 22:30 UTC on the 7th is 23:30 in Brussels: three days are left, nothing is due.
    assert run_job(db, at("2027-01-07T22:30:00")).reminded == []
    # 23:30 UTC on the 7th is already the 8th in Brussels (a UTC count would say 3).
    late = run_job(db, at("2027-01-07T23:30:00"))
    assert sorted(org for _, _, org in late.reminded) == ["City A", "Quiet Town"]

    setup.time_zone = "Europe/Helsinki"  # UTC+2: the 8th began at 22:00 UTC on the 7th
    setup.deadline = date(2027, 2, 10)
    db.session.commit()
    assert run_job(db, at("2027-02-07T21:30:00")).reminded == []
    assert len(run_job(db, at("2027-02-07T22:30:00")).reminded) == 2


def test_an_organisation_with_an_extension_is_reminded_against_its_own_day(db, setup, orgs):
    setup.deadline = DEADLINE
    deadlines.extend(db.session, setup, orgs["A"], date(2027, 1, 20), actor="test")
    schedule.set_schedule(db.session, setup, [2], None, actor="test")
    db.session.commit()
    first = run_job(db, at("2027-01-08T12:00:00"))
    assert [org for _, _, org in first.reminded] == ["Quiet Town"]  # City A has 12 days
    assert "2027-01-10" in reminder_bodies(db)["quiet@example.org"]

    # The questionnaire's deadline has passed, City A's has not.
    assert run_job(db, at("2027-01-11T12:00:00")).reminded == []
    second = run_job(db, at("2027-01-18T12:00:00"))
    assert second.reminded == [(1, "before:2", "City A")]
    assert "2027-01-20" in reminder_bodies(db)["respondent_a@example.org"]
    assert run_job(db, at("2027-01-18T18:00:00")).reminded == []  # once
    steps = db.session.scalars(select(ReminderSent.step).order_by(ReminderSent.id)).all()
    assert steps == ["before:2:2027-01-10", "before:2:2027-01-20"]
    assert run_job(db, at("2027-01-21T12:00:00")).reminded == []  # City A's day has passed


def test_nothing_is_sent_once_the_questionnaire_closes_itself(db, setup, orgs):
    setup.deadline = DEADLINE
    setup.close_at_deadline = True
    deadlines.extend(db.session, setup, orgs["A"], date(2027, 1, 20), actor="test")
    schedule.set_schedule(db.session, setup, [2], 1, actor="test")
    db.session.commit()
    # Closing itself at the deadline overrides the extension: everyone's day is the 10th.
    before = run_job(db, at("2027-01-08T12:00:00"))
    assert sorted(org for _, _, org in before.reminded) == ["City A", "Quiet Town"]
    assert "2027-01-10" in reminder_bodies(db)["respondent_a@example.org"]
    assert run_job(db, at("2027-01-10T22:59:00")).reminded == []  # the step was sent
    db.session.query(ReminderSent).delete()
    db.session.commit()
    assert run_job(db, at("2027-01-10T23:00:00")).reminded == []  # closed for everyone
    assert run_job(db, at("2027-01-18T12:00:00")).reminded == []


def test_the_digest_goes_out_after_midnight_in_the_leaders_time_zone(db, users):
    brussels, new_york = users["leader1"], users["leader2"]
    brussels.notify_submissions = new_york.notify_submissions = "digest"
    new_york.time_zone = "America/New_York"  # UTC-5 in winter
    for leader in (brussels, new_york):
        db.session.add(
            DigestItem(
                user_id=leader.id,
                line="submitted\t1\tRegion B\tT01-AAAAAA\t1",
                created_at=at("2027-01-07T20:00:00"),
            )
        )
    db.session.commit()

    def digests_to() -> list[str]:
        db.session.commit()
        return list(
            db.session.scalars(
                select(OutboxMail.to_address).where(OutboxMail.kind == MailKind.DIGEST)
            )
        )

    assert run_job(db, at("2027-01-07T22:59:00")).digests == 0  # 23:59 in Brussels
    assert run_job(db, at("2027-01-07T23:30:00")).digests == 1  # after midnight there
    assert digests_to() == [brussels.email]
    assert run_job(db, at("2027-01-08T04:59:00")).digests == 0  # 23:59 in New York
    assert run_job(db, at("2027-01-08T05:30:00")).digests == 1
    assert run_job(db, at("2027-01-08T06:30:00")).digests == 0  # once
    assert digests_to() == [brussels.email, new_york.email]
