"""Published results at scale: publishing a snapshot, then each public page's server time.

On BENCH_PUBLIC_COUNT (default 100000) accepted demo responses, in SQLite: the time to
publish (every public figure computed for the public audience in four languages and
stored), then each public page (in-process, through the test client, no login): the first
view after publication (the stored JSON parsed) and p50 over the following views (the
parsed figures reused: snapshots never change). Target: every page under 50 ms (p50).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from app import create_app
from app.demo import responses as demo
from app.extensions import db
from app.services.people.accounts import create_user
from app.services.questionnaires.framework import seed_framework
from app.services.results import snapshot as snapshots
from app.services.results.disclosure import audience_for
from bench.bench_results import load, machine, publish_questionnaires, timed
from config import TestingConfig

PAGES = (
    "/public/",
    "/public/perspectives",
    "/public/facade",
    "/public/themes/resilience",
    "/public/report",
)
TARGET_MS = 50
RUNS = 20


def run(url: str, count: int) -> bool:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_framework(db.session)
        admin = create_user(db.session, "admin@example.org", role="admin", password="x" * 12)
        publish_questionnaires()
        db.session.commit()
        start = time.perf_counter()
        for _made in demo.generate_responses(db.session, count, seed=1, state="accepted"):
            db.session.commit()
        print(f"demo generation: {count:,} responses in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        snapshot = snapshots.publish(
            db.session,
            audience_for("public", None, app.config),
            title={"en": "Benchmark"},
            introduction={"en": "Published by bench_public."},
            user=admin,
        )
        db.session.commit()
        size = len(snapshot.figures)
        print(
            f"publish: {time.perf_counter() - start:.1f} s (4 languages), "
            f"{size / 1024:.0f} KiB of stored figures"
        )
    client = app.test_client()
    ok = True
    for page in PAGES:
        first = timed(lambda page=page: client.get(page), 1)[0]
        samples = timed(lambda page=page: client.get(page), RUNS)
        assert client.get(page).status_code == 200, page
        median = statistics.median(samples)
        met = median < TARGET_MS
        ok &= met
        print(
            f"{page:<28} first view {first:6.1f} ms; p50 {median:5.1f} ms, max "
            f"{max(samples):5.1f} ms over {RUNS} views: {'OK' if met else 'MISSED'} "
            f"(target < {TARGET_MS} ms)"
        )
    return ok


def main() -> int:
    count = int(os.environ.get("BENCH_PUBLIC_COUNT", "100000"))
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        ok = run(f"sqlite:///{Path(tmp) / 'bench.db'}", count)
    print(f"load average at the end: {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
