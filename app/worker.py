"""The mail worker (``flask --app wsgi worker``): delivers the outbox, runs the
scheduled jobs (reminders, leaders' digests) and the jobs queued in the outbox (a results
publication). Several may run, on one machine or many:
each message is claimed with a lease before it is sent (``services/mailing/outbox``),
and each scheduled step is recorded under a unique key before its mail is written
(``services/mailing/schedule``), so nothing is sent twice by two workers.

A worker killed mid-delivery leaves its message claimed until the lease runs out; then
another worker (or the same, restarted) sends it. If the kill came after the SMTP server
took the message but before the worker recorded it, that message is sent once more: SMTP
offers no way to ask whether a message arrived, so delivery is at least once, and at
most once more than that for a message in flight at the moment of a crash.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask

from . import mail
from .extensions import db
from .models import MailKind, MailStatus, OutboxMail
from .services import audit
from .services.mailing import messages, outbox, schedule
from .services.people import password_resets
from .services.results import snapshot as snapshots

log = logging.getLogger("tympanum.worker")


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    logged: int = 0
    prepared: int = 0
    published: int = 0  # results snapshots


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def policy_of(app: Flask) -> outbox.Policy:
    """The retry policy: the defaults of ``outbox``, unless the config shortens them."""
    config = app.config

    def seconds(name: str, default: timedelta) -> timedelta:
        value = config.get(name)
        return timedelta(seconds=float(value)) if value else default

    return outbox.Policy(
        lease=seconds("OUTBOX_LEASE_SECONDS", outbox.LEASE),
        backoff=seconds("OUTBOX_BACKOFF_SECONDS", outbox.BACKOFF),
        max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS") or outbox.MAX_ATTEMPTS),
    )


def deliver_due(
    app: Flask, worker: str | None = None, stop: threading.Event | None = None
) -> Tally:
    """Send every message that is due now (until ``stop`` is set: the message in hand is
    finished first), one transaction to claim each and one to record it. Runs in an app
    context."""
    worker = worker or worker_name()
    policy = policy_of(app)
    tally = Tally()
    while stop is None or not stop.is_set():
        db.session.commit()  # a fresh transaction for the read below
        due = outbox.any_due(db.session)
        db.session.commit()  # end the read; the claim below writes
        if not due:
            break
        item = outbox.claim(db.session, worker, policy)
        if item is None:
            db.session.commit()
            break
        if item.attempts > policy.max_attempts:  # every attempt died half-way: give up
            item.status, item.lease_until = MailStatus.FAILED, None
            item.last_error = item.last_error or "the worker stopped during every attempt"
            db.session.commit()
            tally.failed += 1
            continue
        db.session.commit()  # the claim is seen by every other worker from here on
        if item.kind == MailKind.RESET_REQUEST:
            _prepare_reset(app, item)
            tally.prepared += 1
            continue
        if item.kind == MailKind.PUBLISH_RESULTS:
            tally.published += _publish_results(item, worker)
            continue
        result = mail.deliver(app.config, item.to_address, item.subject, item.body)
        outbox.record(db.session, item, result, policy)
        db.session.commit()
        if result.sent:
            tally.sent += 1
        elif result.logged:
            tally.logged += 1
        elif item.status == MailStatus.FAILED:
            tally.failed += 1
        else:
            tally.retried += 1
    return tally


def _prepare_reset(app: Flask, item: OutboxMail) -> None:
    """Turn a forgotten-password request into the reset message (or into nothing, for
    an address without an active account), in one transaction."""
    email = item.payload.get("email", "")
    ip = item.payload.get("ip", "")
    found = password_resets.request_password_reset(
        db.session, email, lifetime=timedelta(hours=app.config["RESET_HOURS"]), ip=ip
    )
    if found is not None:
        user, raw = found
        messages.password_reset(db.session, user, raw)
    db.session.delete(item)  # the typed address is not kept
    db.session.commit()


def _publish_results(item: OutboxMail, worker: str) -> int:
    """Run a queued publication of the results (``snapshot.run_publication``): 1 when
    this worker stored the snapshot. A failure is recorded on the job, which the publish
    page shows; the admin asks again."""
    job_id = item.id
    try:
        snapshot = snapshots.run_publication(db.session, item, worker)
        if snapshot is None:  # another worker took the job over: its snapshot counts
            db.session.rollback()
            return 0
        audit.record(
            db.session,
            "results.published",
            user=snapshot.published_by,
            obj=snapshot,
            ip=str(item.payload.get("ip") or ""),
        )
        db.session.commit()
        return 1
    except Exception as error:  # noqa: BLE001 - recorded on the job, shown to the admin
        db.session.rollback()
        log.exception("publishing the results (job %s) failed", job_id)
        job = db.session.get(OutboxMail, job_id)
        if job is not None and job.leased_by == worker:
            job.status, job.lease_until = MailStatus.FAILED, None
            job.last_error = f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
        return 0


def run_scheduled(app: Flask, worker: str | None = None) -> schedule.Report:
    """The scheduled jobs: due reminders, leaders' daily digests. Safe to run anywhere,
    any number of times (each step is recorded under a unique key)."""
    report = schedule.run(db.session, worker or worker_name())
    db.session.commit()
    return report


def run(app: Flask, *, once: bool = False, poll: float = 5.0, every: float = 300.0) -> None:
    """Deliver and run the schedule until SIGTERM or SIGINT (the message in hand is
    finished first); with ``once``, one round of each and return."""
    stop = threading.Event()
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker = worker_name()
    next_schedule = 0.0
    log.info("mail worker %s started", worker)
    while not stop.is_set():
        with app.app_context():
            try:
                if time.monotonic() >= next_schedule:
                    run_scheduled(app, worker)
                    next_schedule = time.monotonic() + every
                deliver_due(app, worker, stop)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
                db.session.rollback()
                log.exception("mail worker round failed; trying again")
                if once:
                    raise
        if once:
            break
        stop.wait(poll)
    log.info("mail worker %s stopped", worker)
