"""Login limits (security issue 14, item 6): failed logins per client address, attempts
per e-mail address, held across worker processes by Redis; production refuses memory://.

The tests that use ``app`` run twice: on memory:// (development, a single process) and
on Redis (production; see tests/redis_support.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from app.models import AuditEntry
from app.services.people import link_tokens
from config import ProductionConfig, TestingConfig
from tests import redis_support
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
}
WRONG = "not the password"
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105 - test value
LOCKED = "Too many failed attempts to log in with this e-mail address. Try again in 15 minutes"
_SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.S)


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        yield "memory://"
        return
    client = redis_support.require_redis()
    redis_support.clear_limits(client)
    yield redis_support.REDIS_URL
    redis_support.clear_limits(client)
    client.close()


@pytest.fixture
def app_overrides(store, request):
    return {"RATELIMIT_STORAGE_URI": store, **LIMITS, **getattr(request, "param", {})}


def attempt(client, email, password=WRONG, address="127.0.0.1", **kwargs):
    return client.post_form(
        "/login",
        {"email": email, "password": password},
        page="/login",
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def logout(client):
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})


def error_summary(response) -> str:
    match = _SUMMARY.search(response.get_data(as_text=True))
    return match.group(0) if match else ""


# Per client address: failures only


def test_failed_logins_are_limited_per_address(client, users):
    statuses = [attempt(client, f"guess{i}@example.org").status_code for i in range(11)]
    assert statuses == [200] * 10 + [429]
    response = attempt(client, "admin@example.org", PASSWORD)  # even the right password
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_successful_logins_are_not_counted_behind_one_address(client, users):
    """A city hall behind one NAT address: its staff's logins never use up the limit, and
    a success after some failures does not lock out the next person."""
    hall = "192.0.2.10"
    for i in range(9):
        assert attempt(client, f"typo{i}@example.org", address=hall).status_code == 200
    for _ in range(12):  # more successes than the limit allows attempts
        response = attempt(client, "respondent_a@example.org", PASSWORD, address=hall)
        assert response.status_code == 302
        logout(client)
    assert attempt(client, "respondent_b@example.org", PASSWORD, address=hall).status_code == 302
    logout(client)
    assert attempt(client, "typo9@example.org", address=hall).status_code == 200  # 10th failure
    assert attempt(client, "typo10@example.org", address=hall).status_code == 429


@pytest.mark.parametrize(
    ("app_overrides", "counted"),
    [({"TRUSTED_PROXIES": 1}, "198.51.100.7"), ({"TRUSTED_PROXIES": 0}, "127.0.0.1")],
    indirect=["app_overrides"],
)
def test_only_the_proxy_set_address_counts(client, db, users, counted):
    """Behind one trusted proxy, the client address is the one the proxy appended to
    X-Forwarded-For: whatever a client puts before it changes nothing. Without a trusted
    proxy the header is ignored altogether."""
    statuses = []
    for i in range(11):
        spoofed = {"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.7"}
        statuses.append(attempt(client, f"guess{i}@example.org", headers=spoofed).status_code)
    assert statuses == [200] * 10 + [429]
    ips = set(db.session.scalars(select(AuditEntry.ip).where(AuditEntry.event == "login.failure")))
    assert ips == {counted}


# Per e-mail address: every attempt, whatever the client address; a success clears it


def lock(client, email, start=1):
    """Five failed attempts at ``email``, each from a different address."""
    for i in range(start, start + 5):
        assert attempt(client, email, address=f"10.0.{i}.1").status_code == 200


def test_account_locks_after_failures_from_many_addresses(client, users):
    lock(client, "admin@example.org")
    response = attempt(client, "admin@example.org", PASSWORD, address="10.9.9.9")
    assert response.status_code == 429
    summary = error_summary(response)
    assert LOCKED in summary and "or reset your password." in summary
    html = response.get_data(as_text=True)
    assert 'value="admin@example.org"' in html  # the form is there, the address kept
    assert 'href="/password/forgot"' in html  # the way out
    assert "Retry-After" in response.headers
    assert client.get("/").status_code == 302  # not logged in
    # Another account is not affected.
    assert attempt(client, "leader1@example.org", PASSWORD, address="10.9.9.9").status_code == 302


def test_a_lock_does_not_tell_whether_the_account_exists(client, users):
    def run(email):
        statuses, summaries = [], []
        for i in range(7):
            response = attempt(client, email, address=f"10.1.{i}.1")
            statuses.append(response.status_code)
            summaries.append(error_summary(response))
        return statuses, summaries

    known = run("Admin@Example.org ")  # normalised like the account's address
    unknown = run("nobody@example.org")
    assert known == unknown
    assert known[0] == [200] * 5 + [429, 429]
    assert LOCKED in known[1][-1]


def test_a_successful_login_clears_the_account_count(client, users):
    for i in range(4):
        assert attempt(client, "leader1@example.org", address=f"10.2.{i}.1").status_code == 200
    assert attempt(client, "leader1@example.org", PASSWORD, address="10.2.9.9").status_code == 302
    logout(client)
    for i in range(5):
        assert attempt(client, "leader1@example.org", address=f"10.3.{i}.1").status_code == 200
    assert attempt(client, "leader1@example.org", address="10.3.9.1").status_code == 429


def test_posts_without_a_password_are_not_attempts(client, users):
    for _ in range(8):
        response = attempt(client, "leader2@example.org", password="")
        assert response.status_code == 200 and "Enter your password." in error_summary(response)
    assert attempt(client, "leader2@example.org", PASSWORD).status_code == 302


def test_a_password_reset_unlocks_the_account(client, db, users):
    lock(client, "respondent_a@example.org")
    assert attempt(client, "respondent_a@example.org", PASSWORD).status_code == 429
    raw = link_tokens.issue(
        db.session, users["respondent_a"], link_tokens.RESET, None, timedelta(hours=1)
    )
    db.session.commit()
    response = client.post_form(
        f"/password/reset/{raw}", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 302
    logout(client)
    response = attempt(client, "respondent_a@example.org", NEW_PASSWORD, address="10.4.0.1")
    assert response.status_code == 302


def test_an_administrator_unlocks_an_account_and_it_is_audited(client, db, users, login_as):
    victim = users["respondent_b"]
    lock(client, victim.email)
    login_as("coordinator")
    page = client.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert "Logins to this account are locked after too many failed attempts" in page
    assert "Unlock logins now" not in page  # coordinators read, they do not change
    login_as("admin")
    page = client.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert "Logins to this account are locked" in page and "Unlock logins now" in page
    response = client.post_form(
        f"/admin/users/{victim.id}/unlock-login",
        page=f"/admin/users/{victim.id}",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert f"{victim.email} can log in again." in html
    assert "Logins to this account are locked" not in html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "user.login_unlocked"))
    assert entry.user_id == users["admin"].id and entry.object_id == str(victim.id)
    # Unlocking an account that is not locked changes nothing and records nothing.
    again = client.post_form(
        f"/admin/users/{victim.id}/unlock-login",
        page=f"/admin/users/{victim.id}",
        follow_redirects=True,
    )
    assert "Logins to this account were not locked." in again.get_data(as_text=True)
    events = db.session.scalars(select(AuditEntry.event)).all()
    assert events.count("user.login_unlocked") == 1
    logout(client)
    assert attempt(client, victim.email, PASSWORD, address="10.5.0.1").status_code == 302


def test_the_admin_page_says_when_the_counters_cannot_be_reached(
    client, users, login_as, monkeypatch
):
    from app.services.people import login_locks

    def unreachable(_email):
        raise login_locks.LockStoreError("connection refused")

    login_as("admin")
    monkeypatch.setattr(login_locks, "locked_until", unreachable)
    page = client.get(f"/admin/users/{users['leader1'].id}").get_data(as_text=True)
    assert "the login counters cannot be reached" in page


# Several worker processes (gunicorn) share one count only through Redis


def run_worker(database_url: str, storage_uri: str, attempts: list[tuple[str, str]]) -> list[int]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.throttle_worker",
            database_url,
            storage_uri,
            json.dumps(attempts),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("storage", "allowed_per_address", "allowed_per_account"),
    [("memory://", 16, 6), ("redis", 10, 5)],
)
def test_limits_hold_across_worker_processes(
    tmp_path, storage, allowed_per_address, allowed_per_account
):
    """Two worker processes, one after the other. With memory:// each counts on its own,
    so twice the limit gets through (the bug); with Redis the configured limit holds, per
    address and per account."""
    database_url = f"sqlite:///{tmp_path}/workers.db"
    setup = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with setup.app_context():
        _db.create_all()
        _db.engine.dispose()
    client = None
    if storage == "redis":
        client = redis_support.require_redis()
        redis_support.clear_limits(client)
        storage = redis_support.REDIS_URL
    try:
        statuses = []
        for worker in ("a", "b"):
            attempts = [(f"{worker}{i}@example.org", "10.0.0.1") for i in range(8)]
            attempts += [("victim@example.org", f"10.1.0.{ord(worker)}")] * 3
            statuses.append(run_worker(database_url, storage, attempts))
    finally:
        if client is not None:
            redis_support.clear_limits(client)
            client.close()
    per_address = statuses[0][:8] + statuses[1][:8]
    per_account = statuses[0][8:] + statuses[1][8:]
    assert per_address.count(200) == allowed_per_address
    assert per_account.count(200) == allowed_per_account
    assert set(per_address + per_account) <= {200, 429}


# Production refuses counters that each process keeps for itself


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("PUBLIC_URL", "https://tympanum.example.eu")
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_SINGLE_PROCESS", "RATELIMIT_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    return monkeypatch


def refusal(**overrides) -> str:
    with pytest.raises(RuntimeError) as info:
        create_app(ProductionConfig, **overrides)
    return str(info.value)


def test_production_refuses_the_memory_store(production_env):
    message = refusal()
    assert "RATELIMIT_STORAGE_URI is memory://" in message
    assert "N workers let N times the limit through" in message
    assert "redis://" in message and "RATELIMIT_SINGLE_PROCESS=1" in message
    production_env.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert "RATELIMIT_STORAGE_URI is memory://" in refusal()


def test_production_refuses_the_single_process_opt_out_with_several_workers(production_env):
    production_env.setenv("RATELIMIT_SINGLE_PROCESS", "1")
    message = refusal()
    assert "gunicorn is configured for 4 workers" in message
    assert "GUNICORN_WORKERS=1" in message
    production_env.delenv("GUNICORN_WORKERS")  # gunicorn.conf.py's default: 2 x CPUs + 1
    assert "gunicorn is configured for" in refusal()


def test_production_accepts_one_worker_with_the_opt_out(production_env, tmp_path):
    production_env.setenv("RATELIMIT_SINGLE_PROCESS", "1")
    production_env.setenv("GUNICORN_WORKERS", "1")
    app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_rate_limits_switched_off(production_env):
    production_env.setenv("RATELIMIT_STORAGE_URI", "redis://cache.internal:6379/0")
    production_env.setenv("RATELIMIT_ENABLED", "0")
    assert "RATELIMIT_ENABLED is off" in refusal()


def test_production_starts_with_redis(production_env, tmp_path):
    production_env.setenv("RATELIMIT_STORAGE_URI", redis_support.REDIS_URL)
    try:
        app = create_app(
            ProductionConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/prod.db",
            RATELIMIT_STORAGE_URI=redis_support.REDIS_URL,
        )
        assert type(limiter.storage).__name__ == "RedisStorage"
        assert app.config["SESSION_COOKIE_SECURE"] is True
    finally:
        limiter.storage.storage.close()  # the next app gets its own store


# Redis down: each process counts for itself for a while, logins keep working


def test_logins_keep_working_while_redis_is_down(tmp_path, caplog):
    from app.services.people import accounts as user_service

    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/down.db",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",  # nothing listens there
        WTF_CSRF_ENABLED=False,
        **LIMITS,
    )
    try:
        with app.app_context():
            _db.create_all()
            user_service.create_user(
                _db.session, "solo@example.org", role="admin", password=PASSWORD
            )
            _db.session.commit()
        client = app.test_client()
        statuses = [
            client.post(
                "/login", data={"email": f"x{i}@example.org", "password": WRONG}
            ).status_code
            for i in range(11)
        ]
        assert statuses == [200] * 10 + [429]  # still limited, in this process's memory
        assert "falling back to in-memory storage" in caplog.text
        response = client.post(
            "/login",
            data={"email": "solo@example.org", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.7.0.1"},
        )
        assert response.status_code == 302
    finally:
        limiter._storage_dead = False  # the extension object is shared by every test's app
        with app.app_context():
            _db.engine.dispose()
