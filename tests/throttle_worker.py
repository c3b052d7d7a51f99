"""One "gunicorn worker" for tests/test_auth_throttle.py: a process of its own with its
own app (and, with memory://, its own counters), sending the login attempts it is given.

    python -m tests.throttle_worker DATABASE_URL STORAGE_URI '[["email", "address"], ...]'

prints the status of each attempt as a JSON list. The password is always wrong.
"""

from __future__ import annotations

import json
import sys

from app import create_app
from config import TestingConfig

LIMITS = {
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
}


def main(database_url: str, storage_uri: str, attempts: list[list[str]]) -> list[int]:
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_STORAGE_URI=storage_uri,
        WTF_CSRF_ENABLED=False,
        **LIMITS,
    )
    client = app.test_client()
    statuses = []
    for email, address in attempts:
        response = client.post(
            "/login",
            data={"email": email, "password": "not the password"},
            environ_base={"REMOTE_ADDR": address},
        )
        statuses.append(response.status_code)
    return statuses


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))))
