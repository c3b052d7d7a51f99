"""Start Tympanum under gunicorn on a scratch database, for load and fault benchmarks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, port: int, workers: int = 2) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TYMPANUM_ENV": "production",
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "DATABASE_URL": database_url,
            "SESSION_COOKIE_SECURE": "0",  # plain http on loopback
            # Production counts rate limits in Redis (it refuses memory:// with 2 workers).
            "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "LOGIN_RATE_LIMIT": "100000 per minute",  # every simulated user shares 127.0.0.1
            "TOKEN_RATE_LIMIT": "100000 per minute",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
            # No recycling mid-run: it would reset kept-alive connections and lose the
            # CPU times the report reads from /proc.
            "GUNICORN_MAX_REQUESTS": "0",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """An empty database: an SQLite file in a temp folder, or a fresh PostgreSQL database."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="tympanum-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"tympanum_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Gunicorn:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.process: subprocess.Popen | None = None
        # The server's log goes to a file: an unread pipe fills up (an outage logs an
        # error per request) and then blocks every worker that writes to it.
        self.log_path = Path(tempfile.mkdtemp(prefix="tympanum-gunicorn-")) / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: " + self.log_tail())

    def log_tail(self, size: int = 4000) -> str:
        """The end of the server's log (errors it reported)."""
        try:
            return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and its live workers, read
        from /proc (Linux); 0.0 where /proc is not available."""
        if self.process is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid:  # the process group gunicorn leads
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def kill_hard(self) -> None:
        """kill -9 the master and every worker (its whole process group)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill_hard()
            self.process = None
