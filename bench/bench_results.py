"""Results on 100,000 accepted responses: demo generation, aggregation vs hand SQL, pages.

The demo generator's rate (it stores the responses' theme scores as it goes), the
overview's aggregation against the same aggregate written by hand in SQL (over the stored
theme scores, as the app reads them, and computed in full from the answers), and the
results pages' server time (in-process, through the test client) with the result cache
off (every view computes, as the first view after a change does), on the first view
after a change with the cache on, and while the data is unchanged (cache hits).

Environment: BENCH_RESULTS_COUNT (default 100000) responses; BENCH_RESULTS_PG, a scratch
PostgreSQL URL, to run the same on PostgreSQL too (its tables are dropped and recreated).
Targets: aggregation service / hand SQL over the stored scores at most 1.5x; overview
page under 500 ms, also without the cache.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

from app import create_app
from app.definitions.validate import validate_file, validate_text
from app.demo import responses as demo
from app.extensions import db
from app.models import Action
from app.services import audit
from app.services.people.accounts import accept_privacy, create_user
from app.services.questionnaires import seeding
from app.services.questionnaires import versions as qservice
from app.services.questionnaires.framework import seed_framework
from app.services.results import aggregation
from app.services.results.disclosure import FULL_ACCESS
from config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database

# The overview's aggregate written by hand, over the stored theme scores s(r, t) (what
# the app reads: the same work as the aggregation service)...
HAND_SQL_STORED = """
SELECT s.theme_id, COUNT(s.score), SUM(s.score) / COUNT(s.score),
       (SUM(s.score * s.score) - SUM(s.score) * SUM(s.score) / COUNT(s.score))
         / (COUNT(s.score) - 1)
FROM response_theme_scores s JOIN responses r ON r.id = s.response_id
WHERE r.state = 'accepted'
GROUP BY s.theme_id ORDER BY s.theme_id
"""
# ... and computed in full from the answers (what every figure cost before the scores
# were stored; for comparison).
HAND_SQL_ANSWERS = """
WITH s AS (
  SELECT a.response_id, tw.theme_id, SUM(tw.weight * a.score) / SUM(tw.weight) AS s
  FROM answers a
  JOIN theme_weights tw ON tw.question_id = a.question_id AND tw.item = a.item
  JOIN responses r ON r.id = a.response_id
  WHERE a.score IS NOT NULL AND r.state = 'accepted'
  GROUP BY a.response_id, tw.theme_id
)
SELECT theme_id, COUNT(s), SUM(s) / COUNT(s),
       (SUM(s * s) - SUM(s) * SUM(s) / COUNT(s)) / (COUNT(s) - 1)
FROM s GROUP BY theme_id ORDER BY theme_id
"""
PAGES = (
    "/results/",
    "/results/pillars",
    "/results/themes/resilience",
    "/results/report",
    "/results/report.csv",
)
LED = (1, 4)  # the benchmark leader's actions


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory_gb = f"{int(memory) / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration):
        memory_gb = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return f"{os.cpu_count()} CPUs ({cpu}), {memory_gb} RAM, load average {load:.1f}"


def publish_questionnaires() -> str:
    """The shipped questionnaires (as `flask seed` does), or the example for 11 actions."""
    if seeding.shipped_questionnaire_files():
        list(seeding.run_extra_seeds(db.session))
        return "the shipped questionnaires"
    source = (ROOT / "docs" / "example-questionnaire.yaml").read_text(encoding="utf-8")
    for number in range(1, 12):
        edited = source.replace("action: 1\n", f"action: {number}\n", 1).replace(
            "code: a01_example", f"code: a{number:02d}_example", 1
        )
        result = (
            validate_text(edited)
            if number > 1
            else validate_file(ROOT / "docs" / "example-questionnaire.yaml")
        )
        outcome = qservice.import_definition(db.session, result)
        qservice.publish(db.session, outcome.version.questionnaire)
    return "docs/example-questionnaire.yaml, once per action"


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples):.0f} ms (max {max(samples):.0f})"


def run(url: str, count: int) -> None:
    print(f"\n## {url.split(':', 1)[0]}: {count:,} accepted responses (load average {load()})")
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=False,
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
        print(f"questionnaires: {source}")
        start = time.perf_counter()
        for _made in demo.generate_responses(db.session, count, seed=1, state="accepted"):
            db.session.commit()
        seconds = time.perf_counter() - start
        answers = db.session.scalar(text("SELECT COUNT(*) FROM answers"))
        scores = db.session.scalar(text("SELECT COUNT(*) FROM response_theme_scores"))
        print(
            f"demo generation: {count:,} responses, {answers:,} answers, {scores:,} stored "
            f"theme scores in {seconds:.1f} s ({count / seconds:,.0f} responses/s)"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        session = db.session
        # Warm the caches of the database and the OS once, then compare.
        session.execute(text(HAND_SQL_STORED)).all()
        session.execute(text(HAND_SQL_ANSWERS)).all()
        stored = timed(lambda: session.execute(text(HAND_SQL_STORED)).all(), 5)
        full = timed(lambda: session.execute(text(HAND_SQL_ANSWERS)).all(), 3)
        ours = timed(lambda: aggregation.theme_scores(session, aggregation.Filters(FULL_ACCESS)), 5)
        expected = [tuple(r) for r in session.execute(text(HAND_SQL_STORED))]
        computed = [tuple(r) for r in session.execute(text(HAND_SQL_ANSWERS))]
        got = [
            (r.theme_id, r.n, r.mean)
            for r in session.execute(
                aggregation.grouped_scores_query(aggregation.Filters(FULL_ACCESS))
            )
        ]
        assert [r[:2] for r in expected] == [r[:2] for r in computed], "stored scores stale"
        assert all(abs(a[2] - b[2]) < 1e-9 for a, b in zip(expected, computed, strict=True))
        assert sorted(r[:2] for r in got) == [r[:2] for r in expected], "builder disagrees"
        ratio = statistics.median(ours) / statistics.median(stored)
        print(
            f"overview aggregate (no cache): hand SQL over the stored scores "
            f"{p50(stored)}; aggregation service {p50(ours)}: {ratio:.2f}x (target at most "
            f"1.5x) {'OK' if ratio <= 1.5 else 'MISSED'}; for comparison, hand SQL "
            f"computing the scores from the {answers:,} answers {p50(full)}"
        )
        session.rollback()

    for who in ("admin", "leader"):
        pages(app, who)
    print(f"load average at the end: {load()}")
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def pages(app, who: str) -> None:
    """The results pages' server time as ``who`` (the admin: every action, nothing hidden;
    a leader of actions LED: their actions only, small cells hidden)."""
    client = app.test_client()
    login = client.post("/login", data={"email": f"{who}@example.org", "password": PASSWORD})
    assert login.status_code == 302, login.status_code

    def view(url: str) -> None:
        assert client.get(url).status_code == 200

    app.config["RESULTS_CACHE_SECONDS"] = 0
    app.extensions.pop("tympanum_results_cache", None)
    for url in PAGES:
        view(url)  # templates compiled, connection pool filled
    for url in PAGES:
        uncached = timed(lambda url=url: view(url), 5)
        target = ""
        if url == "/results/":
            met = statistics.median(uncached) < 500
            target = f" (target under 500 ms) {'OK' if met else 'MISSED'}"
        print(
            f"{who}: {url} without the result cache (every view computes): {p50(uncached)}{target}"
        )
    app.config["RESULTS_CACHE_SECONDS"] = 600
    app.extensions.pop("tympanum_results_cache", None)
    for url in PAGES:
        view(url)
        with app.app_context():  # a change: any audit entry moves the data version
            audit.record(db.session, "bench.change", actor="bench")
            db.session.commit()
        first = timed(lambda url=url: view(url), 1)[0]
        again = timed(lambda url=url: view(url), 10)
        print(
            f"{who}: {url} with the result cache: first view after a change {first:.0f} ms, "
            f"then while unchanged {p50(again)}"
        )


def main() -> int:
    count = int(os.environ.get("BENCH_RESULTS_COUNT", "100000"))
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", count)
    if os.environ.get("BENCH_RESULTS_PG"):
        run(os.environ["BENCH_RESULTS_PG"], count)
    return 0
