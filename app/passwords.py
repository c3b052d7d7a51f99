"""Password hashing (scrypt), one hash at a time per worker process, with a bounded wait.

scrypt is costly on purpose (tens of milliseconds of CPU and 32 MiB per hash), and
hashlib lets go of the GIL while it runs: a burst of logins on a worker's threads would
take every core from the page requests beside them (at a deadline, the whole consortium
logs in within minutes). Hashes queue instead, one at a time per process, so a login
waits for the logins before it and pages keep their share of the CPU. The work per
login (and the protection) is unchanged.

The wait for the slot is bounded (``PASSWORD_SLOT_WAIT`` seconds, in an app context): a
login that cannot start its hash in that time raises ``HashSlotBusy`` and is answered
with a friendly 503 and Retry-After (the login page keeps the typed e-mail address)
instead of holding the worker's thread behind a queue of hashes.
"""

from __future__ import annotations

import threading

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

_SLOT = threading.BoundedSemaphore(1)
DEFAULT_WAIT = 2.0


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


def hash_password(password: str, method: str) -> str:
    _acquire()
    try:
        return generate_password_hash(password, method=method)
    finally:
        _SLOT.release()


def verify_password(password_hash: str, password: str) -> bool:
    _acquire()
    try:
        return check_password_hash(password_hash, password)
    finally:
        _SLOT.release()
