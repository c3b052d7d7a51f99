"""Results on 100,000 accepted responses: demo generation, aggregation vs hand SQL, page.

The demo generator's rate, the overview's aggregation against the same aggregate written
by hand in SQL, and the overview page's server time.

Environment: BENCH_RESULTS_COUNT (default 100000) responses; BENCH_RESULTS_PG, a scratch
PostgreSQL URL, to run the same on PostgreSQL too (its tables are dropped and recreated).
Targets: builder / hand SQL at most 1.5x; overview page under 500 ms.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from app import create_app
from app.definitions.validate import validate_file, validate_text
from app.extensions import db
from app.services import aggregation, demo, seeding
from app.services import questionnaires as qservice
from app.services.framework import seed_framework
from app.services.users import create_user
from config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database

# The overview's aggregate, written by hand: accepted responses, all themes.
HAND_SQL = """
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


def run(url: str, count: int) -> None:
    print(f"\n## {url.split(':', 1)[0]}: {count:,} accepted responses")
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
        create_user(db.session, "admin@example.org", role="admin", password=PASSWORD)
        source = publish_questionnaires()
        db.session.commit()
        print(f"questionnaires: {source}")
        start = time.perf_counter()
        for _made in demo.generate_responses(db.session, count, seed=1, state="accepted"):
            db.session.commit()
        seconds = time.perf_counter() - start
        answers = db.session.scalar(text("SELECT COUNT(*) FROM answers"))
        print(
            f"demo generation: {count:,} responses, {answers:,} answers in {seconds:.1f} s "
            f"({count / seconds:,.0f} responses/s)"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        session = db.session
        builder = aggregation.group_scores_query(aggregation.Filters())
        # Warm the caches of the database and the OS once, then compare.
        session.execute(text(HAND_SQL)).all()
        hand = timed(lambda: session.execute(text(HAND_SQL)).all(), 5)
        ours = timed(lambda: aggregation.theme_scores(session, aggregation.Filters()), 5)
        same = session.execute(text(HAND_SQL)).all()
        check = {r.theme_id: r.n for r in session.execute(builder)}
        assert {r[0]: r[1] for r in same} == check, "the builder and the hand SQL disagree"
        ratio = statistics.median(ours) / statistics.median(hand)
        print(
            f"overview aggregate: hand SQL p50 {statistics.median(hand):.0f} ms, "
            f"aggregation service p50 {statistics.median(ours):.0f} ms: {ratio:.2f}x "
            f"(target at most 1.5x) {'OK' if ratio <= 1.5 else 'MISSED'}"
        )
        session.rollback()

    client = app.test_client()
    login = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert login.status_code == 302, login.status_code

    def overview() -> None:
        assert client.get("/results/").status_code == 200

    cold = timed(overview, 1)[0]
    warm = timed(overview, 10)
    print(
        f"overview page (/results/): first view {cold:.0f} ms (aggregates computed), "
        f"then p50 {statistics.median(warm):.0f} ms, max {max(warm):.0f} ms while the data "
        f"is unchanged (target under 500 ms) "
        f"{'OK' if statistics.median(warm) < 500 else 'MISSED'}"
    )
    for url in ("/results/themes/resilience", "/results/report"):

        def page(url: str = url) -> None:
            assert client.get(url).status_code == 200

        first = timed(page, 1)[0]
        again = timed(page, 5)
        print(
            f"{url}: first view {first:.0f} ms, then p50 {statistics.median(again):.0f} ms "
            "(no target; for information)"
        )
    app.config["RESULTS_CACHE_SECONDS"] = 0
    app.extensions.pop("tympanum_results_cache", None)
    uncached = timed(overview, 3)
    print(f"overview page without the result cache: p50 {statistics.median(uncached):.0f} ms")
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


def main() -> int:
    count = int(os.environ.get("BENCH_RESULTS_COUNT", "100000"))
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", count)
    if os.environ.get("BENCH_RESULTS_PG"):
        run(os.environ["BENCH_RESULTS_PG"], count)
    return 0
