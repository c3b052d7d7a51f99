"""Password hashing: Argon2id, one hash at a time per worker process, with a bounded wait.

**Argon2id** (argon2-cffi) with OWASP's first recommended setting: 19 MiB of memory, two
passes, one lane (``argon2id:2:19456:1``). It is the memory-hard function the Password
Hashing Competition chose and RFC 9106 describes; on the machines of this project it
costs about 33 ms of CPU per hash, where Werkzeug's scrypt (N=2**15, r=8, p=1: below
OWASP's scrypt minimum of N=2**17, which would cost about four times more) cost about
120 ms. A deadline's burst of logins is bounded by that CPU (bench_topology), so the
cheaper function that is also the recommended one lets four times more people in.

Older hashes (Werkzeug's ``scrypt:...`` and ``pbkdf2:...``, and Argon2 hashes of other
settings) are still checked, and replaced by a hash of the configured method at the
next successful login (``needs_rehash``; the login writes it only if the stored hash is
still the one it checked). ``PASSWORD_HASH_METHOD`` may also name a Werkzeug method
(``scrypt``, ``scrypt:N:r:p``, ``pbkdf2:sha256:N``).

Hashing is costly on purpose and lets go of the GIL while it runs: a burst of logins on a
worker's threads would take every core from the page requests beside them. Hashes queue
instead, one at a time per process, so a login waits for the logins before it and pages
keep their share of the CPU. The wait for the slot is bounded (``PASSWORD_SLOT_WAIT``
seconds, in an app context): a login that cannot start its hash in that time raises
``HashSlotBusy`` and is answered with a friendly 503 and Retry-After (the login page keeps
the typed e-mail address) instead of holding the worker's thread behind a queue of hashes.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

_SLOT = threading.BoundedSemaphore(1)
DEFAULT_WAIT = 2.0
ARGON2_PREFIX = "argon2id"
# OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
DEFAULT_ARGON2 = (2, 19 * 1024, 1)


class HashSlotBusy(RuntimeError):
    """Every password-hash slot of this process stayed busy for ``PASSWORD_SLOT_WAIT``."""


def _wait_seconds() -> float | None:
    """How long to wait for the slot: the app's setting; no bound outside an app (scripts)."""
    if not has_app_context():
        return None
    value = current_app.config.get("PASSWORD_SLOT_WAIT", DEFAULT_WAIT)
    return None if value is None or float(value) <= 0 else float(value)


def _acquire() -> None:
    wait = _wait_seconds()
    if not _SLOT.acquire(timeout=wait):
        raise HashSlotBusy(f"no password-hash slot free within {wait} s")


@lru_cache(maxsize=8)
def _argon2(method: str) -> PasswordHasher:
    """The hasher of an ``argon2id`` or ``argon2id:TIME:MEMORY_KIB:LANES`` method."""
    parts = method.split(":")
    if parts[0] != ARGON2_PREFIX or len(parts) not in (1, 4):
        raise ValueError(f"unknown password hash method {method!r}")
    time_cost, memory_kib, lanes = (
        DEFAULT_ARGON2 if len(parts) == 1 else tuple(int(p) for p in parts[1:])
    )
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=lanes, type=Type.ID
    )


def is_argon2(method: str) -> bool:
    return method.split(":", 1)[0] == ARGON2_PREFIX


def _hash(password: str, method: str) -> str:
    if is_argon2(method):
        return _argon2(method).hash(password)
    return generate_password_hash(password, method=method)


def _check(password_hash: str, password: str) -> bool:
    if password_hash.startswith("$argon2"):
        try:
            return _argon2(ARGON2_PREFIX).verify(password_hash, password)
        except (VerificationError, InvalidHashError):  # mismatch, or a damaged hash
            return False
    return check_password_hash(password_hash, password)


def hash_password(password: str, method: str) -> str:
    _acquire()
    try:
        return _hash(password, method)
    finally:
        _SLOT.release()


def verify_password(password_hash: str, password: str) -> bool:
    _acquire()
    try:
        return _check(password_hash, password)
    finally:
        _SLOT.release()


def needs_rehash(password_hash: str, method: str) -> bool:
    """Whether a hash that has just been checked should be replaced by one of ``method``:
    another function, or Argon2 with other settings. (Only moves towards Argon2: a
    configured Werkzeug method leaves every stored hash as it is.)"""
    if not is_argon2(method):
        return False
    if not password_hash.startswith("$argon2id$"):
        return True
    try:
        return _argon2(method).check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True
