"""The organisers' dashboard on 100,000 responses from 5,000 organisations: page time.

5,000 organisations in the 27 Member States, each asked about about ten of the 11
actions (about 50,000 invitations); 100,000 responses spread over three versions of each
questionnaire (the current one and superseded ones, so that "the current response" has
work to do), in every state, submitted over 200 days. Rows are written in bulk (the
dashboard reads no answers). Measured: the per-action counts written by hand in SQL (the
baseline: the one grouped query the page cannot avoid), the dashboard service, and the
home page's server time (in-process, through the test client) as an admin (every action)
and as a leader of two actions.

Wall-clock times on a shared machine stretch with its load (printed); the CPU time of
the process per view is printed beside them.

Environment: BENCH_DASHBOARD_RESPONSES (default 100000), BENCH_DASHBOARD_ORGS (default
5000); BENCH_DASHBOARD_PG, a scratch PostgreSQL URL, to run the same on PostgreSQL too
(its tables are dropped and recreated). Target: the page under 300 ms on SQLite.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text, update

from app import create_app
from app.countries import EU_MEMBER_STATES
from app.extensions import db
from app.models import (
    Action,
    Organisation,
    OrgKind,
    QuestionnaireVersion,
    Response,
    ResponseState,
    SizeBand,
    VersionStatus,
    organisation_actions,
)
from app.services.people.accounts import accept_privacy, create_user
from app.services.questionnaires.framework import seed_framework
from app.services.responding import participation
from bench.bench_results import PASSWORD, load, machine, p50, publish_questionnaires, timed
from config import TestingConfig

LED = (1, 4)  # the benchmark leader's actions
TARGET_MS = 300
# The per-action counts by hand: invitations of active organisations, each with the
# state of its response on the newest version it answered (the page's main query).
HAND_SQL = """
WITH ranked AS (
  SELECT r.organisation_id, r.questionnaire_id, r.state,
         ROW_NUMBER() OVER (PARTITION BY r.organisation_id, r.questionnaire_id
                            ORDER BY v.number DESC) AS newest
  FROM responses r JOIN questionnaire_versions v ON v.id = r.version_id
)
SELECT oa.action_id, COALESCE(c.state, 'not_started') AS state, COUNT(*)
FROM organisation_actions oa
JOIN organisations o ON o.id = oa.organisation_id AND o.active
LEFT JOIN questionnaires q ON q.action_id = oa.action_id
LEFT JOIN ranked c ON c.organisation_id = oa.organisation_id
                  AND c.questionnaire_id = q.id AND c.newest = 1
GROUP BY oa.action_id, COALESCE(c.state, 'not_started')
"""
STATES = (
    [ResponseState.DRAFT] * 15
    + [ResponseState.SUBMITTED] * 20
    + [ResponseState.RETURNED] * 5
    + [ResponseState.ACCEPTED] * 50
    + [ResponseState.REJECTED] * 5
)
KINDS = list(OrgKind)


def make_data(responses: int, organisations: int, seed: int = 16) -> tuple[int, int]:
    """Organisations, invitations, two more versions per questionnaire, and
    ``responses`` responses, in bulk. Returns (invitations, responses made)."""
    rng = random.Random(seed)
    session = db.session
    actions = list(session.scalars(select(Action).order_by(Action.number)))
    countries = sorted(EU_MEMBER_STATES)
    orgs = []
    for index in range(organisations):
        kind = rng.choice(KINDS)
        orgs.append(
            {
                "name": f"Bench organisation {index:05d}",
                "kind": kind.value,
                "country": rng.choice(countries),
                "size_band": rng.choice(list(SizeBand)).value if kind == OrgKind.CITY else None,
                "active": rng.random() > 0.02,
                "created_at": datetime.now(UTC),
            }
        )
    session.execute(insert(Organisation), orgs)
    org_ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
    pairs = [
        {"organisation_id": org_id, "action_id": action.id}
        for org_id in org_ids
        for action in actions
        if rng.random() < 0.9
    ]
    session.execute(insert(organisation_actions), pairs)
    # Versions 2 and 3 of every questionnaire (copies of version 1): responses on 1 and 2
    # are superseded by one on 3.
    versions: dict[int, list[int]] = {}
    for version in session.scalars(select(QuestionnaireVersion)):
        versions.setdefault(version.questionnaire_id, []).append(version.id)
        for number in (2, 3):
            copy = QuestionnaireVersion(
                questionnaire_id=version.questionnaire_id,
                number=number,
                status=VersionStatus.PUBLISHED if number == 3 else VersionStatus.ARCHIVED,
                title=version.title,
                definition={},
                checksum=version.checksum,
            )
            session.add(copy)
            session.flush()
            versions[version.questionnaire_id].append(copy.id)
    session.execute(
        update(QuestionnaireVersion)
        .where(QuestionnaireVersion.number == 1)
        .values(status=VersionStatus.ARCHIVED)
    )
    questionnaire_of = {
        action_id: questionnaire_id
        for questionnaire_id, action_id in session.execute(
            text("SELECT id, action_id FROM questionnaires")
        )
    }
    start = datetime.now(UTC) - timedelta(days=200)
    rows = []
    rng.shuffle(pairs)
    started = [pair for pair in pairs if rng.random() > 0.1]  # one in ten not started
    # Newest version first (the current responses), then superseded ones of the same.
    for layer in (2, 1, 0):
        for pair in started:
            if len(rows) >= responses:
                break
            state = rng.choice(STATES) if layer == 2 else ResponseState.ACCEPTED
            created = start + timedelta(minutes=rng.randrange(200 * 24 * 60))
            submitted = (
                created + timedelta(hours=rng.randrange(1, 200))
                if state != ResponseState.DRAFT
                else None
            )
            questionnaire_id = questionnaire_of[pair["action_id"]]
            rows.append(
                {
                    "questionnaire_id": questionnaire_id,
                    "version_id": versions[questionnaire_id][layer],
                    "organisation_id": pair["organisation_id"],
                    "state": state.value,
                    "reference": f"B{len(rows):09d}",
                    "lock_version": 1,
                    "created_at": created,
                    "updated_at": submitted or created,
                    "submitted_at": submitted,
                }
            )
    for first in range(0, len(rows), 10_000):
        session.execute(insert(Response), rows[first : first + 10_000])
    session.commit()
    return len(pairs), len(rows)


def run(url: str, responses: int, organisations: int) -> None:
    print(
        f"\n## {url.split(':', 1)[0]}: {responses:,} responses, {organisations:,} organisations "
        f"(load average {load()})"
    )
    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_framework(db.session)
        admin = create_user(db.session, "admin@example.org", role="admin", password=PASSWORD)
        accept_privacy(db.session, admin, app.config["PRIVACY_NOTICE_VERSION"])
        source = publish_questionnaires()
        led = list(db.session.scalars(select(Action).where(Action.number.in_(LED))))
        leader = create_user(
            db.session, "leader@example.org", role="leader", password=PASSWORD, actions=led
        )
        accept_privacy(db.session, leader, app.config["PRIVACY_NOTICE_VERSION"])
        db.session.commit()
        print(f"questionnaires: {source}, three versions each")
        start = time.perf_counter()
        invitations, made = make_data(responses, organisations)
        print(
            f"data: {organisations:,} organisations, {invitations:,} invitations, {made:,} "
            f"responses written in {time.perf_counter() - start:.1f} s"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        session = db.session
        session.execute(text(HAND_SQL)).all()  # warm the caches once
        cpu = time.process_time()
        hand = timed(lambda: session.execute(text(HAND_SQL)).all(), 5)
        hand_cpu = (time.process_time() - cpu) * 1000 / 5
        ours = timed(lambda: participation.build(session, None), 5)
        by_hand = {(a, s): n for a, s, n in session.execute(text(HAND_SQL))}
        board = participation.build(session, None)
        got = {(r.action.id, s): n for r in board.actions for s, n in r.counts.items()}
        assert got == by_hand, "the dashboard's counts disagree with the hand SQL"
        print(
            f"per-action counts by hand in SQL {p50(hand)}, {hand_cpu:.0f} ms CPU; "
            f"the whole dashboard service "
            f"(counts, breakdowns, timeline, backlog) {p50(ours)}: "
            f"{statistics.median(ours) / statistics.median(hand):.2f}x the hand SQL"
        )
        session.rollback()
    for who in ("admin", "leader"):
        page(app, who, statistics.median(hand))
    print(f"load average at the end: {load()}")
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def page(app, who: str, baseline_ms: float) -> None:
    """The home page (the dashboard) as ``who``: every view computing (the first after a
    change), then while the figures are unchanged (the shared result cache)."""
    client = app.test_client()
    login = client.post("/login", data={"email": f"{who}@example.org", "password": PASSWORD})
    assert login.status_code == 302, login.status_code

    def view() -> None:
        response = client.get("/")
        assert response.status_code == 200 and b"Consultation dashboard" in response.data

    view()  # templates compiled, connection pool filled

    def uncached() -> None:
        app.extensions.pop("tympanum_results_cache", None)
        view()

    cpu = time.process_time()
    samples = timed(uncached, 10)
    cpu_ms = (time.process_time() - cpu) * 1000 / 10
    median = statistics.median(samples)
    met = "OK" if median < TARGET_MS else "MISSED"
    print(
        f"{who}: GET / (the dashboard), every figure computed: {p50(samples)}, "
        f"{cpu_ms:.0f} ms CPU per view (target under {TARGET_MS} ms) {met}; "
        f"{median / baseline_ms:.2f}x the hand SQL of the per-action counts"
    )
    view()
    cpu = time.process_time()
    again = timed(view, 10)
    cpu_ms = (time.process_time() - cpu) * 1000 / 10
    print(
        f"{who}: GET / while the figures are unchanged (result cache): {p50(again)}, "
        f"{cpu_ms:.0f} ms CPU per view"
    )


def main() -> int:
    responses = int(os.environ.get("BENCH_DASHBOARD_RESPONSES", "100000"))
    organisations = int(os.environ.get("BENCH_DASHBOARD_ORGS", "5000"))
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", responses, organisations)
    if os.environ.get("BENCH_DASHBOARD_PG"):
        run(os.environ["BENCH_DASHBOARD_PG"], responses, organisations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
