"""Password hashing (scrypt), one hash at a time per worker process.

scrypt is costly on purpose (tens of milliseconds of CPU and 32 MiB per hash), and
hashlib lets go of the GIL while it runs: a burst of logins on a worker's threads would
take every core from the page requests beside them (at a deadline, the whole consortium
logs in within minutes). Hashes queue instead, one at a time per process, so a login
waits for the logins before it and pages keep their share of the CPU. The work per
login (and the protection) is unchanged.
"""

from __future__ import annotations

import threading

from werkzeug.security import check_password_hash, generate_password_hash

_SLOT = threading.BoundedSemaphore(1)


def hash_password(password: str, method: str) -> str:
    with _SLOT:
        return generate_password_hash(password, method=method)


def verify_password(password_hash: str, password: str) -> bool:
    with _SLOT:
        return check_password_hash(password_hash, password)
