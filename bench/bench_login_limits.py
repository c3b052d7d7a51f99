"""Logins' CPU: rate limits off, on memory:// and on Redis; Argon2id against scrypt.

The login limits' cost (rate limiting off as the baseline, on memory://, on Redis), and
the password hash's: production Argon2id against the scrypt it replaced (limits off).

In-process (Flask test client), production hashing; each login from a new client. The
baseline is the same login with rate limiting switched off, in the same run; ratios are
of medians of the process's CPU time per request (steadier than wall time on a shared
machine; Redis's own CPU is not counted). ``LOGIN_BENCH_N`` logins per kind and round
(default 60, three rounds); ``BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/14) is
skipped with a message when unreachable; its rate-limit keys are deleted afterwards.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import redis

from app import create_app
from app.extensions import db
from app.services.people.accounts import create_user
from config import ProductionConfig, TestingConfig

N = int(os.environ.get("LOGIN_BENCH_N", "60"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "benchmark-password"  # noqa: S105 - a benchmark account


def redis_available() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def clear_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="LIMITS*"))
    if keys:
        client.delete(*keys)
    client.close()


def logins(app, kind: str, round_: int) -> list[float]:
    """CPU milliseconds per login: successes for one account, or failures (unknown
    addresses), each from its own client address."""
    samples = []
    for i in range(N + N // 10):  # the first tenth warms up
        client = app.test_client()
        if kind == "success":
            email, password, expected = "bench@example.org", PASSWORD, 302
        else:
            email, password, expected = f"nobody{round_}-{i}@example.org", "wrong guess!", 200
        start = time.process_time()
        response = client.post(
            "/login",
            data={"email": email, "password": password},
            environ_base={"REMOTE_ADDR": f"10.{i % 250}.{i // 250}.1"},
        )
        elapsed = time.process_time() - start
        assert response.status_code == expected, (kind, response.status_code)
        if i >= N // 10:
            samples.append(elapsed * 1000)
    return samples


def main() -> int:
    modes: dict[str, dict] = {"off": {"RATELIMIT_ENABLED": False}, "memory://": {}}
    if redis_available():
        modes["redis"] = {"RATELIMIT_STORAGE_URI": REDIS_URL}
    else:
        print(f"Redis not reachable at {REDIS_URL}: its row is left out")
    # The hash the production setting replaced: Werkzeug's scrypt (N=2**15, r=8, p=1).
    modes["off, scrypt"] = {"RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt"}
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(3):
            for index, (mode, overrides) in enumerate(modes.items()):
                app = create_app(
                    TestingConfig,
                    SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/{round_}-{index}.db",
                    WTF_CSRF_ENABLED=False,
                    LOGIN_RATE_LIMIT="100000 per minute",
                    **{"PASSWORD_HASH_METHOD": ProductionConfig.PASSWORD_HASH_METHOD, **overrides},
                )
                with app.app_context():
                    db.create_all()
                    create_user(db.session, "bench@example.org", role="admin", password=PASSWORD)
                    db.session.commit()
                for kind in ("success", "failure"):
                    samples.setdefault((mode, kind), []).extend(logins(app, kind, round_))
                with app.app_context():
                    db.engine.dispose()
    if "redis" in modes:
        clear_redis()
    print(f"hash: {ProductionConfig.PASSWORD_HASH_METHOD} unless the row says scrypt")
    print(f"{'limits':<12} {'login':<8} {'CPU p50 ms':>11} {'ratio to off':>13} {'n':>5}")
    for (mode, kind), values in samples.items():
        base = statistics.median(samples[("off", kind)])
        median = statistics.median(values)
        print(f"{mode:<12} {kind:<8} {median:>11.2f} {median / base:>13.2f} {len(values):>5}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
