"""Forgotten-password answer time for an address with an account and one without: if
they differ, timing tells an attacker which addresses have accounts.

In-process (Flask test client) on a scratch SQLite database, with a real SMTP server
(aiosmtpd) on loopback. Known and unknown addresses alternate; each request writes one
outbox row, and after each answer the bench runs the mail worker's delivery (the lookup,
the link, the e-mail) untimed, so each answer is timed alone. Figures: wall-clock milliseconds of the POST, median,
interquartile range and 10th-90th percentiles, and the difference of the medians.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time

from bench.bench_load import prepare_people
from bench.server import flask, free_port, server_env

ROUNDS = int(os.environ.get("RESET_ROUNDS", "50"))
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _Inbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.count += 1
        return "250 OK"


def _spread(samples: list[float]) -> str:
    deciles = statistics.quantiles(samples, n=10)
    quartiles = statistics.quantiles(samples, n=4)
    return (
        f"{statistics.median(samples):7.2f} {quartiles[2] - quartiles[0]:7.2f} "
        f"{deciles[0]:7.2f}-{deciles[-1]:<7.2f}"
    )


def main() -> int:
    from aiosmtpd.controller import Controller

    from app import create_app, worker
    from config import TestingConfig

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            env = server_env(url, 0)
            flask(env, "db", "upgrade")
            flask(env, "seed")
            (known,) = prepare_people(url, 1)
            app = create_app(
                TestingConfig,
                SQLALCHEMY_DATABASE_URI=url,
                RATELIMIT_ENABLED=False,
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=controller.port,
                LOG_LEVEL="ERROR",
            )
            client = app.test_client()
            html = client.get("/password/forgot").get_data(as_text=True)
            token = _CSRF_RE.search(html).group(1)
            samples: dict[str, list[float]] = {"known": [], "unknown": []}
            for index in range(-4, ROUNDS):  # four rounds to warm up
                pair = [("known", known), ("unknown", f"nobody{index}@example.org")]
                for kind, email in pair[:: 1 if index % 2 else -1]:  # alternate the order
                    started = time.perf_counter()
                    response = client.post(
                        "/password/forgot", data={"email": email, "csrf_token": token}
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 302, response.status_code
                    response.close()  # as the server does once it has sent the answer
                    with app.app_context():
                        worker.deliver_due(app)  # the worker's part, untimed
                    if index >= 0:
                        samples[kind].append(elapsed)
            deadline = time.monotonic() + 10
            while inbox.count < ROUNDS + 4 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        controller.stop()
    print(f"{ROUNDS} requests each (after 4 to warm up); e-mails received: {inbox.count}")
    print(f"{'address':<10} {'median':>7} {'IQR':>7} {'p10-p90 (ms)':>15}")
    for kind, values in samples.items():
        print(f"{kind:<10} {_spread(values)}")
    gap = statistics.median(samples["known"]) - statistics.median(samples["unknown"])
    print(f"difference of the medians (known - unknown): {gap:+.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
