"""Publishing the results runs in the worker, not in the web request (issue 18, round 2):
the publish page queues a job in the outbox (``MailKind.PUBLISH_RESULTS``), says
"Publishing…" until the worker (``flask worker --once`` here) has stored the snapshot,
and the job is done once however many workers run. ``flask results publish`` stays
synchronous."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import worker
from app.models import AuditEntry, MailKind, MailStatus, OutboxMail, ResultsSnapshot, utcnow
from app.services.mailing import outbox
from app.services.results import snapshot as snapshots
from app.services.results.disclosure import Audience
from tests.test_public_results import partnership  # noqa: F401 - the fixture

PUBLIC = Audience(None, 5, published=True)
FORM = {"title_en": "Results 2027", "introduction_en": "What we heard."}


def _snapshots(db) -> int:
    return db.session.scalar(select(func.count(ResultsSnapshot.id)))


def _queue(db, users) -> OutboxMail:
    job = snapshots.request_publication(
        db.session,
        PUBLIC,
        title={"en": "Queued"},
        introduction={"en": "Intro"},
        user=users["admin"],
    )
    db.session.commit()
    return job


def test_the_page_queues_and_the_worker_publishes(app, db, client, users, login_as, partnership):  # noqa: F811
    admin = login_as("admin")
    queued = admin.post_form("/public/publish", FORM, page="/public/publish")
    assert queued.status_code == 302 and queued.headers["Location"].endswith("/public/publish")
    assert _snapshots(db) == 0  # nothing computed in the request
    page = admin.get("/public/publish").get_data(as_text=True)
    assert "Publishing…" in page and "started at" in page
    assert '<meta http-equiv="refresh"' in page
    # A second "Publish" while the first is under way queues nothing more.
    again = admin.post_form("/public/publish", FORM, page="/public/publish")
    assert again.status_code == 302
    assert "being published already" in admin.get("/public/publish").get_data(as_text=True)
    jobs = db.session.scalar(
        select(func.count(OutboxMail.id)).where(OutboxMail.kind == MailKind.PUBLISH_RESULTS)
    )
    assert jobs == 1
    assert client.get("/public/").get_data(as_text=True).count("Results 2027") == 0

    ran = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert ran.exit_code == 0, ran.output
    assert "Results published: 1." in ran.output
    assert _snapshots(db) == 1
    page = admin.get("/public/publish").get_data(as_text=True)
    assert "Publishing…" not in page and "Results 2027" in page and "(on show)" in page
    assert "Results 2027" in client.get("/public/").get_data(as_text=True)
    events = set(db.session.scalars(select(AuditEntry.event)))
    assert {"results.publish_requested", "results.published"} <= events
    # Run again: nothing more is published.
    assert app.test_cli_runner().invoke(args=["worker", "--once"]).exit_code == 0
    assert _snapshots(db) == 1


def test_two_workers_publish_once(app, db, users, partnership):  # noqa: F811
    """Worker A claims the job, computes for longer than its lease; B takes the job over
    and publishes; A's result is thrown away. Then nothing is left to do."""
    _queue(db, users)
    policy = outbox.Policy(lease=timedelta(seconds=30))
    a = outbox.claim(db.session, "worker-a", policy)
    db.session.commit()
    later = utcnow() + timedelta(minutes=1)  # A's lease has run out
    b = outbox.claim(db.session, "worker-b", policy, now=later)
    db.session.commit()
    assert a is not None and b is not None and a.id == b.id
    done_by_b = snapshots.run_publication(db.session, b, "worker-b")
    assert done_by_b is not None
    db.session.commit()
    late = snapshots.run_publication(db.session, db.session.get(OutboxMail, a.id), "worker-a")
    assert late is None  # A no longer holds the job
    db.session.rollback()
    assert _snapshots(db) == 1
    assert db.session.get(OutboxMail, a.id).status == MailStatus.SENT
    with app.app_context():
        assert worker.deliver_due(app, "worker-c").published == 0
    assert _snapshots(db) == 1


def test_two_workers_in_turn_publish_once(app, db, users, partnership):  # noqa: F811
    _queue(db, users)
    first = worker.deliver_due(app, "worker-a")
    second = worker.deliver_due(app, "worker-b")
    assert (first.published, second.published) == (1, 0)
    assert _snapshots(db) == 1


def test_a_failed_publication_is_shown(app, db, users, login_as, partnership, monkeypatch):  # noqa: F811
    _queue(db, users)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(snapshots, "publish", broken)
    assert worker.deliver_due(app, "worker-a").published == 0
    assert _snapshots(db) == 0
    job = snapshots.publication_job(db.session)
    assert job.status == MailStatus.FAILED and "went away" in job.last_error
    page = login_as("admin").get("/public/publish").get_data(as_text=True)
    assert "The last publication failed: RuntimeError: the database went away" in page
    assert "Publishing…" not in page


def test_the_cli_still_publishes_at_once(app, db, users, partnership):  # noqa: F811
    result = app.test_cli_runner().invoke(
        args=["results", "publish", "--title", "en=CLI", "--introduction", "en=Intro"]
    )
    assert result.exit_code == 0, result.output
    assert _snapshots(db) == 1
