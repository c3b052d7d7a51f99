"""In-process page rendering: the login page against /healthz (no template, one query)."""

from __future__ import annotations

import statistics
import tempfile
import time

from app import create_app
from app.extensions import db
from app.services.people.accounts import create_user
from app.services.questionnaires.framework import seed_framework
from config import TestingConfig


def timed(client, url: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.db")
        with app.app_context():
            db.create_all()
            seed_framework(db.session)
            create_user(
                db.session, "admin@example.org", role="admin", password="benchmark-password"
            )
            db.session.commit()
        client = app.test_client()
        n = 300
        baseline = timed(client, "/healthz", n)
        login_page = timed(client, "/login", n)
        print(f"{'endpoint':<12} {'p50 ms':>8} {'p95 ms':>8} {'ratio p50':>10}")
        base50 = statistics.median(baseline)
        for name, samples in (("/healthz", baseline), ("/login", login_page)):
            p50 = statistics.median(samples)
            p95 = statistics.quantiles(samples, n=20)[-1]
            print(f"{name:<12} {p50:8.2f} {p95:8.2f} {p50 / base50:10.2f}x")
        with app.app_context():
            db.engine.dispose()
    return 0
