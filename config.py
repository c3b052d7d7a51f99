"""Configuration read from environment variables.

Every variable is listed in README.md with its default. Development needs none of
them: it runs on an SQLite file in ``instance/``.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))
DEV_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - refused by ProductionConfig


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'tympanum.db'}"


def served_address() -> str:
    """Where `make run` / `flask run` serves (HOST, PORT): development's public URL."""
    host = os.environ.get("HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - a wildcard bind is reached on loopback
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('PORT', '5000')}"


class Config:
    """Development defaults; every value can be overridden from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 30_000)

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    # Respondents' pages (POST /respond/...): above the largest page whose answers keep to
    # their limits (the questionnaire check refuses a section that could send more).
    RESPOND_MAX_CONTENT_LENGTH = _int("RESPOND_MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    WTF_CSRF_TIME_LIMIT = _int("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME_SECONDS", 12 * 3600)

    # Argon2id with OWASP's setting (2 passes, 19 MiB, 1 lane: app/passwords.py); older
    # scrypt hashes are still checked and replaced at the next login. Tests use less memory.
    PASSWORD_HASH_METHOD = "argon2id"  # noqa: S105 - a method name, not a secret
    # Hashes run one at a time per worker process (app/passwords.py). A login that cannot
    # start its hash within this many seconds gets a 503 with Retry-After (the login page,
    # the typed e-mail address kept) instead of holding the worker. 0: wait as long as it takes.
    PASSWORD_SLOT_WAIT = _float("PASSWORD_SLOT_WAIT", 2.0)
    PASSWORD_BUSY_RETRY_AFTER = _int("PASSWORD_BUSY_RETRY_AFTER", 5)

    # memory:// counts in each process on its own; production needs a shared store (Redis).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # While the shared store is unreachable, each process counts in memory (and logs it)
    # rather than answering every login with an error; it goes back to the store by itself.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed logins per client address, and login attempts per e-mail address typed.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_ACCOUNT_LIMIT = os.environ.get("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes")
    TOKEN_RATE_LIMIT = os.environ.get("TOKEN_RATE_LIMIT", "20 per minute")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = ("en", "de", "fr", "it")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Tympanum <no-reply@tympanum.invalid>")
    # The mail worker (app/worker.py): how long a claimed message stays claimed, the first
    # pause after a failed attempt (doubling each time, at most 6 hours), the attempts
    # before a message is given up as failed. 0: the defaults (300 s, 60 s, 10).
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 0)
    OUTBOX_BACKOFF_SECONDS = _int("OUTBOX_BACKOFF_SECONDS", 0)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 0)
    INVITATION_DAYS = _int("INVITATION_DAYS", 14)
    RESET_HOURS = _int("RESET_HOURS", 24)
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-11")
    RETENTION_MONTHS = _int("RETENTION_MONTHS", 60)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # "text" (readable, the default) or "json" (one object per line, for log collectors).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # The address people use: every link in every e-mail, and every absolute URL, is built
    # from it, never from the Host a request names. Production refuses to start without it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or served_address()
    # The host names requests may name (others get a 400 page): by default PUBLIC_URL's
    # host, and outside production the loopback names too (``app.urls.trusted_hosts``).
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    TRUST_LOOPBACK_HOSTS = True
    # How long aggregated results may be reused while the data is unchanged (0: never).
    RESULTS_CACHE_SECONDS = _int("RESULTS_CACHE_SECONDS", 600)
    # Disclosure control: the fewest organisations a results cell shown to a leader may
    # count (fewer: hidden); respondents and the public (no results yet) get the second.
    # Admins and coordinators see every cell. 0 or 1: nothing hidden.
    DISCLOSURE_MIN_ORGS = _int("DISCLOSURE_MIN_ORGS", 3)
    DISCLOSURE_MIN_ORGS_PUBLIC = _int("DISCLOSURE_MIN_ORGS_PUBLIC", 5)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_METHOD = "argon2id:1:64:1"  # noqa: S105 - a method name, not a secret
    MAIL_SERVER = ""
    PUBLIC_URL = "http://localhost"
    TRUSTED_HOSTS = None
    WTF_CSRF_ENABLED = True
    SERVER_NAME = None
    LOG_LEVEL = "WARNING"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    TRUST_LOOPBACK_HOSTS = False

    @classmethod
    def check(cls) -> None:
        """Refuse to start with the development secret, without a database URL or without
        the public address."""
        problems = []
        if not os.environ.get("SECRET_KEY") or os.environ["SECRET_KEY"] == DEV_SECRET:
            problems.append(
                "SECRET_KEY is not set: set it to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        elif len(os.environ["SECRET_KEY"]) < 32:
            problems.append("SECRET_KEY is too short: use at least 32 random characters")
        if not os.environ.get("DATABASE_URL"):
            problems.append(
                "DATABASE_URL is not set: set it to the PostgreSQL URL, e.g. "
                "postgresql+psycopg://tympanum@db.example.org/tympanum"
            )
        if not os.environ.get("PUBLIC_URL"):
            problems.append(
                "PUBLIC_URL is not set: set it to the address people use, e.g. "
                "https://tympanum.example.eu (every link in e-mails is built from it)"
            )
        problems += rate_limit_problems()
        if problems:
            raise RuntimeError("ProductionConfig refuses to start:\n  - " + "\n  - ".join(problems))


def gunicorn_workers() -> int:
    """The number of workers ``make serve`` starts: the one gunicorn.conf.py computes."""
    return int(runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["workers"])


def rate_limit_problems() -> list[str]:
    """Why production's rate limits would not hold: switched off, or counted in memory
    (each gunicorn worker, each server on its own: N workers let N times the attempts
    through) without the explicit single-process opt-out."""
    if not _bool("RATELIMIT_ENABLED", True):
        return [
            "RATELIMIT_ENABLED is off: production keeps the login and link limits on "
            "(unset it, or set it to 1)"
        ]
    uri = os.environ.get("RATELIMIT_STORAGE_URI", "memory://").strip()
    if not uri.startswith("memory://"):
        return []
    if not _bool("RATELIMIT_SINGLE_PROCESS", False):
        return [
            f"RATELIMIT_STORAGE_URI is {uri}: each worker process would count login "
            "attempts on its own, so N workers let N times the limit through. Set it to "
            "the shared Redis, e.g. redis://cache.internal:6379/0 (or, for one server "
            "running one worker only, set RATELIMIT_SINGLE_PROCESS=1 and GUNICORN_WORKERS=1)"
        ]
    workers = gunicorn_workers()
    if workers != 1:
        return [
            f"RATELIMIT_SINGLE_PROCESS=1, but gunicorn is configured for {workers} workers "
            "(GUNICORN_WORKERS), each counting on its own: set GUNICORN_WORKERS=1, or "
            "RATELIMIT_STORAGE_URI=redis://... (a Redis shared by every worker and server)"
        ]
    return []


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the config class named by TYMPANUM_ENV (development by default)."""
    name = os.environ.get("TYMPANUM_ENV", "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"TYMPANUM_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}")
    return CONFIGS[name]
