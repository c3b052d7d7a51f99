"""The mail worker's delivery rate: messages written to the outbox, then sent to a local
SMTP server (aiosmtpd on loopback) by one worker and by two worker processes at once.

Each message costs a claim (one UPDATE and a commit), the SMTP conversation (a new
connection per message, as the worker does) and the record (one UPDATE and a commit).
Reports messages per second and checks every message arrived exactly once. On SQLite
(a scratch file) and, when BENCH_PG_URL names a scratch database, on PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

COUNT = int(os.environ.get("OUTBOX_COUNT", "400"))
ROOT = Path(__file__).resolve().parent.parent


class _Inbox:
    def __init__(self) -> None:
        self.subjects: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        subject = next(
            line[8:].strip()
            for line in envelope.content.decode().splitlines()
            if line.startswith("Subject:")
        )
        with self._lock:
            self.subjects.append(subject)
        return "250 OK"


def _fill(app, count: int) -> None:
    from app.extensions import db
    from app.models import MailKind
    from app.services.mailing import outbox

    with app.app_context():
        db.drop_all()
        db.create_all()
        for i in range(count):
            outbox.enqueue(
                db.session,
                kind=MailKind.REMINDER,
                to=f"p{i}@example.org",
                subject=f"M{i}",
                body="x",
            )
        db.session.commit()


def _workers(url: str, port: int, n: int) -> float:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "LOG_LEVEL": "ERROR",
        "TYMPANUM_ENV": "development",
    }
    started = time.perf_counter()
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    for process in processes:
        process.wait(600)
    return time.perf_counter() - started


def main() -> int:
    from aiosmtpd.controller import Controller

    from app import create_app
    from bench.server import free_port
    from config import TestingConfig

    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        urls = [("SQLite", f"sqlite:///{folder}/outbox.db")]
        if os.environ.get("BENCH_PG_URL"):
            urls.append(("PostgreSQL", os.environ["BENCH_PG_URL"]))
        print(f"{COUNT} messages; wall-clock time including each worker's start-up (~1 s)")
        for name, url in urls:
            app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
            for workers in (1, 2):
                inbox = _Inbox()
                controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
                controller.start()
                try:
                    _fill(app, COUNT)
                    seconds = _workers(url, controller.port, workers)
                finally:
                    controller.stop()
                once = len(inbox.subjects) == len(set(inbox.subjects)) == COUNT
                failed += not once
                print(
                    f"{name:<10} {workers} worker(s): {seconds:6.1f} s, "
                    f"{COUNT / seconds:6.1f} messages/s, each delivered once: {once}"
                )
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
