"""Login attempts per account: the counter behind the login page's per-account limit.

Every login attempt is counted against the e-mail address typed (known or not, so a
lock says nothing about whether an account exists) in the rate limiter's storage: Redis
in production, one count for every worker and every server, so guessers spread over
many addresses are stopped too. A successful login clears the count (the owner proved
the password); so do a password reset and an administrator's unlock. The limit itself is
``LOGIN_ACCOUNT_LIMIT``, applied by ``app.auth.throttle``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from ...extensions import limiter
from ...models import normalise_email

log = logging.getLogger("tympanum.login_locks")

SCOPE = "login-account"


class LockStoreError(RuntimeError):
    """The rate limiter's storage (Redis) cannot be reached."""


def account_key(email: str) -> str:
    """The counter's key for a typed e-mail address: a keyed hash, so the shared store
    holds no e-mail addresses."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()
    return f"login-account:{digest[:32]}"


def _limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _identifiers(email: str) -> list[str]:
    """The identifiers Flask-Limiter counts the shared limit under: [prefix,] key, scope."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return [p for p in (prefix, account_key(email), SCOPE) if p]


def locked_until(email: str) -> datetime | None:
    """When logins with this e-mail address open again (UTC), or None while they are open.
    Raises LockStoreError when the store cannot be reached."""
    if not limiter.enabled:
        return None
    identifiers = _identifiers(email)
    try:
        strategy = limiter.limiter
        ends = [
            strategy.get_window_stats(item, *identifiers).reset_time
            for item in _limits()
            if not strategy.test(item, *identifiers)
        ]
    except limiter.storage.base_exceptions as error:
        raise LockStoreError(str(error)) from error
    return datetime.fromtimestamp(max(ends), UTC) if ends else None


def clear(email: str) -> None:
    """Forget the attempts counted against this e-mail address (raises LockStoreError)."""
    if not limiter.enabled:
        return
    identifiers = _identifiers(email)
    try:
        for item in _limits():
            limiter.limiter.clear(item, *identifiers)
    except limiter.storage.base_exceptions as error:
        raise LockStoreError(str(error)) from error


def give_back(email: str) -> None:
    """Take back the attempt counted for a login that checked no password (every hash slot
    was busy and the page said so): the count bounds password checks, so giving it back
    gives nothing to a guesser. Fixed windows only (the default strategy); a store that
    cannot be reached is logged and the attempt stays counted."""
    if not limiter.enabled or not isinstance(limiter.limiter, FixedWindowRateLimiter):
        return
    identifiers = _identifiers(email)
    try:
        for item in _limits():
            if limiter.limiter.storage.get(item.key_for(*identifiers)) > 0:
                limiter.limiter.hit(item, *identifiers, cost=-1)
    except limiter.storage.base_exceptions:
        log.warning("could not give back a login attempt", exc_info=True)


def unlock(email: str) -> bool:
    """Lift a lock (an administrator's unlock); False if logins were not locked."""
    was_locked = locked_until(email) is not None
    clear(email)
    return was_locked


def clear_quietly(email: str) -> None:
    """``clear`` where a missing store must not stop the caller (a login that succeeded, a
    password that was reset): logged, and the lock runs out by itself."""
    try:
        clear(email)
    except LockStoreError:
        log.warning("could not clear the login attempts of an account", exc_info=True)
