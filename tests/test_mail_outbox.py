"""The outbox and its worker: mail written with the change that causes it, claimed with a
lease so that several workers send each message once, retried with back-off, failures
shown to admins; a worker killed mid-delivery loses nothing and sends nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app import worker
from app.models import MailKind, MailStatus, OutboxMail, utcnow
from app.services.mailing import outbox
from tests.conftest import deliver_outbox, free_port

ROOT = Path(__file__).resolve().parent.parent


def _enqueue(db, n: int, prefix: str = "Message") -> None:
    for i in range(n):
        outbox.enqueue(
            db.session,
            kind=MailKind.REMINDER,
            to=f"person{i}@example.org",
            subject=f"{prefix} {i}",
            body=f"Body {i}",
        )
    db.session.commit()


def _statuses(db) -> dict[str, int]:
    db.session.commit()
    rows = db.session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    ).all()
    db.session.commit()  # end the read: on SQLite it holds the write lock the workers need
    return {status.value: n for status, n in rows}


# --- claiming ------------------------------------------------------------------------------


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(db):
    _enqueue(db, 1)
    policy = outbox.Policy(lease=timedelta(minutes=5))
    first = outbox.claim(db.session, "w1", policy)
    db.session.commit()
    assert first is not None and first.status == MailStatus.SENDING and first.attempts == 1
    assert outbox.claim(db.session, "w2", policy) is None
    later = utcnow() + timedelta(minutes=6)  # w1 died: its lease has run out
    again = outbox.claim(db.session, "w2", policy, now=later)
    assert again is not None and again.id == first.id
    assert again.leased_by == "w2" and again.attempts == 2


# --- delivery, retries, failures -------------------------------------------------------------


def test_the_worker_delivers_each_message_once(app, db, mail_server):
    _enqueue(db, 3)
    tally = deliver_outbox(app)
    assert tally.sent == 3
    assert sorted(m["Subject"] for m in mail_server.wait_for(3)) == [
        "Message 0",
        "Message 1",
        "Message 2",
    ]
    assert deliver_outbox(app).sent == 0  # nothing left
    assert _statuses(db) == {"sent": 3}


def test_an_unreachable_server_is_retried_with_growing_pauses_then_given_up(app, db):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=3)
    _enqueue(db, 1)
    policy = worker.policy_of(app)
    pauses = []
    for _attempt in range(3):
        db.session.commit()
        row = db.session.scalar(select(OutboxMail))
        row.next_attempt_at = utcnow() - timedelta(seconds=1)  # its time has come
        db.session.commit()
        before = utcnow()
        deliver_outbox(app)
        db.session.expire_all()
        row = db.session.scalar(select(OutboxMail))
        pauses.append(round((row.next_attempt_at - before).total_seconds() / 60))
    assert row.status == MailStatus.FAILED and row.attempts == 3
    assert "ConnectionRefusedError" in row.last_error
    assert pauses[:2] == [1, 2]  # minutes: 1, 2, (4...), doubling
    assert policy.delay(5) == timedelta(minutes=16)
    assert policy.delay(50) == timedelta(hours=6)


class Refusing:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such mailbox here"


def test_a_permanent_refusal_fails_at_once_and_is_shown_to_admins(app, db, client, login_as, users):
    controller = Controller(Refusing(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        _enqueue(db, 1)
        assert deliver_outbox(app).failed == 1
    finally:
        controller.stop()
    row = db.session.scalar(select(OutboxMail))
    assert row.status == MailStatus.FAILED and row.attempts == 1
    assert "550" in row.last_error and "No such mailbox" in row.last_error

    login_as("coordinator")
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "person0@example.org" in html and "550 5.1.1 No such mailbox here" in html
    assert "Try again" not in html  # coordinators read
    login_as("admin")
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "Try again" in html
    done = client.post_form(f"/admin/mail/{row.id}/retry", {}, page="/admin/mail")
    assert done.status_code == 302
    db.session.expire_all()
    assert row.status == MailStatus.PENDING and row.attempts == 0


def test_mail_is_written_with_its_change_and_not_without_it(client, login_as, db, orgs):
    login_as("admin")
    refused = client.post_form(
        "/admin/users/invite",
        {"email": "not an address", "display_name": "X", "role": "respondent"},
    )
    assert refused.status_code == 200
    assert _statuses(db) == {}  # the invitation failed: no mail either
    client.post_form(
        "/admin/users/invite",
        {
            "email": "new@example.org",
            "display_name": "New",
            "role": "respondent",
            "organisation": str(orgs["A"].id),
            "actions": ["1"],
        },
    )
    db.session.commit()
    (row,) = db.session.scalars(select(OutboxMail)).all()
    assert row.kind == MailKind.INVITATION and row.to_address == "new@example.org"
    assert row.status == MailStatus.PENDING and "/invite/" in row.body


def test_the_forgotten_password_form_only_writes_a_row(client, db, users, app, mail_server):
    for email in ("respondent_a@example.org", "nobody@example.org"):
        client.post_form("/password/forgot", {"email": email})
    db.session.commit()
    rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert [(r.kind, r.to_address, r.body) for r in rows] == [(MailKind.RESET_REQUEST, "", "")] * 2
    deliver_outbox(app)  # the worker looks them up: a message for the account only
    (message,) = mail_server.wait_for(1)
    assert message["To"] == "respondent_a@example.org"
    db.session.commit()
    kinds = db.session.scalars(select(OutboxMail.kind)).all()
    assert kinds == [MailKind.PASSWORD_RESET]  # the unknown address is not kept


# --- a worker process killed mid-delivery ------------------------------------------------------


class SlowOnce:
    """Keeps one message (``hold``) waiting before answering its DATA, the first time it
    arrives; counts only the messages it answered 250 to. When the client dies while a
    message waits, aiosmtpd cancels the handler: that message was never accepted."""

    def __init__(self, hold: str) -> None:
        self.hold = hold
        self.held = threading.Event()
        self.accepted: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        subject = next(
            line.split(":", 1)[1].strip()
            for line in envelope.content.decode().splitlines()
            if line.startswith("Subject:")
        )
        if subject == self.hold and not self.held.is_set():
            self.held.set()
            await asyncio.sleep(30)  # the worker is killed meanwhile
        with self._lock:
            self.accepted.append(subject)
        return "250 OK"


def _worker(app, port: int, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "OUTBOX_LEASE_SECONDS": "2",
        "TYMPANUM_ENV": "development",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll", "0.2", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_killing_the_worker_mid_delivery_loses_nothing_and_sends_nothing_twice(app, db):
    _enqueue(db, 8)
    smtp = SlowOnce(hold="Message 4")
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        process = _worker(app, controller.port)
        assert smtp.held.wait(60), process.communicate(timeout=5)[0]
        os.kill(process.pid, signal.SIGKILL)  # in the middle of message 4's DATA
        process.wait(10)
        process.stdout.close()
        assert sorted(smtp.accepted) == [f"Message {i}" for i in range(4)]
        assert _statuses(db) == {"sent": 4, "sending": 1, "pending": 3}
        time.sleep(2.5)  # the dead worker's lease runs out
        restarted = _worker(app, controller.port, "--once")
        output = restarted.communicate(timeout=60)[0].decode()
        assert restarted.returncode == 0, output
    finally:
        controller.stop()
    assert sorted(smtp.accepted) == [f"Message {i}" for i in range(8)]  # each once
    assert _statuses(db) == {"sent": 8}
    db.session.expire_all()
    held = db.session.scalar(select(OutboxMail).where(OutboxMail.subject == "Message 4"))
    assert held.attempts == 2


def test_two_workers_send_each_message_once(app, db):
    _enqueue(db, 30)
    smtp = SlowOnce(hold="")
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        workers = [_worker(app, controller.port, "--once") for _ in range(2)]
        for process in workers:
            output = process.communicate(timeout=90)[0].decode()
            assert process.returncode == 0, output
    finally:
        controller.stop()
    assert sorted(smtp.accepted) == sorted(f"Message {i}" for i in range(30))
    assert _statuses(db) == {"sent": 30}


def test_the_mail_page_warns_when_no_worker_runs(db, client, login_as, users):
    _enqueue(db, 1)
    login_as("admin")
    assert "is the mail worker running" not in client.get("/admin/mail").get_data(as_text=True)
    row = db.session.scalar(select(OutboxMail))
    row.next_attempt_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "The oldest message has waited 30 minutes to be sent" in html


def test_sigterm_stops_the_worker_after_the_message_in_hand(app, db):
    _enqueue(db, 200)
    smtp = SlowOnce(hold="")
    controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        process = _worker(app, controller.port)
        deadline = time.monotonic() + 60
        while not smtp.accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
        assert process.returncode == 0, output
    finally:
        controller.stop()
    counts = _statuses(db)
    assert "sending" not in counts  # nothing left half-done
    assert counts["sent"] == len(smtp.accepted) < 200  # stopped before the end


def test_a_sent_message_keeps_no_link_and_goes_after_90_days(app, db):
    from app.services.mailing import schedule

    _enqueue(db, 1)
    deliver_outbox(app)  # no mail server in tests: logged
    row = db.session.scalar(select(OutboxMail))
    assert row.status == MailStatus.LOGGED and row.body == "" and row.subject == "Message 0"
    schedule.run(db.session, "w", now=utcnow() + timedelta(days=89))
    db.session.commit()
    assert _statuses(db) == {"logged": 1}
    schedule.run(db.session, "w", now=utcnow() + timedelta(days=91))
    db.session.commit()
    assert _statuses(db) == {}


def test_a_message_whose_every_attempt_died_is_given_up(app, db):
    app.config.update(OUTBOX_MAX_ATTEMPTS=2)
    _enqueue(db, 1)
    row = db.session.scalar(select(OutboxMail))
    row.attempts, row.status = 2, MailStatus.SENDING  # two workers died holding it
    row.lease_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_outbox(app).failed == 1
    assert _statuses(db) == {"failed": 1}
